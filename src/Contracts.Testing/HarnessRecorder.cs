using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Routing;
using Contracts.Transport;

namespace Contracts.Testing;

/// <summary>What <see cref="ContractsTestHarness"/> saw: sent envelopes, settled deliveries, and how many are pending.</summary>
internal sealed class HarnessRecorder
{
    private readonly object _gate = new();
    private readonly List<RecordedMessage> _sent = [];
    private readonly List<HarnessDelivery> _settled = [];

    /// <summary>Delayed messages (a saga's timeouts, sends with a delay) handed to a transport that holds them until due, by id.</summary>
    private readonly Dictionary<Guid, RecordedMessage> _scheduled = [];
    private readonly Dictionary<(Guid MessageId, string Endpoint), int> _unsettled = [];
    private readonly List<(Func<HarnessDelivery, bool> Match, TaskCompletionSource<HarnessDelivery> Found)> _waiters = [];
    private TaskCompletionSource _idle = NewIdle(completed: true);
    private int _pending;

    /// <summary>The bus's routes, known once the bus is built: a send without an endpoint goes to every one of its contract's.</summary>
    public RouteTable? Routes { get; set; }

    public IReadOnlyList<RecordedMessage> Sent
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    public IReadOnlyList<HarnessDelivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _settled];
            }
        }
    }

    /// <summary>The delayed messages handed to the transport and not yet come due, in the order sent.</summary>
    public List<RecordedMessage> Scheduled()
    {
        lock (_gate)
        {
            return [.. _scheduled.Values];
        }
    }

    /// <summary>Forgets a scheduled message the test delivers now: the original, if it still comes, is not counted.</summary>
    public bool Unschedule(Guid messageId)
    {
        lock (_gate)
        {
            return _scheduled.Remove(messageId);
        }
    }

    /// <summary>A scheduled message came due at <paramref name="endpoint"/>: pending from now until it is settled.</summary>
    public void Arrived(TransportEndpoint endpoint, Envelope envelope)
    {
        lock (_gate)
        {
            if (_scheduled.Remove(envelope.MessageId))
            {
                Track(envelope.MessageId, endpoint.Name, +1);
                Add(+1);
            }
        }
    }

    /// <summary>
    /// Records <paramref name="envelope"/> and counts its deliveries as pending; returns how many. A delayed one (due
    /// later, held by the transport) is not pending until it comes due, so <see cref="WhenIdleAsync"/> does not wait
    /// for a saga's two-hour timeout.
    /// </summary>
    public int Sending(Envelope envelope, TransportEndpoint? endpoint)
    {
        if (envelope.DeliverAt is { } due && due > DateTimeOffset.UtcNow)
        {
            var scheduled = new RecordedMessage(MessageOf(envelope) ?? envelope, envelope.Contract.Kind, new SendOptions { DeliverAt = due, MessageId = envelope.MessageId }, envelope.CorrelationId, envelope.CausationId);
            lock (_gate)
            {
                _sent.Add(scheduled);
                _scheduled[envelope.MessageId] = scheduled;
            }

            return 0;
        }

        int deliveries = 0;
        if (endpoint is not null)
        {
            deliveries = 1;
            Track(envelope.MessageId, endpoint.Name, +1);
        }
        else if (Routes is { } routes)
        {
            foreach (TransportEndpoint route in routes.Find(envelope.Contract))
            {
                if (route.Options.Consume)
                {
                    deliveries++;
                    Track(envelope.MessageId, route.Name, +1);
                }
            }
        }

        var recorded = new RecordedMessage(MessageOf(envelope) ?? envelope, envelope.Contract.Kind, Options: null, envelope.CorrelationId, envelope.CausationId);
        lock (_gate)
        {
            _sent.Add(recorded);
            Add(deliveries);
        }

        return deliveries;
    }

    public void NotSent(int deliveries)
    {
        lock (_gate)
        {
            Add(-deliveries);
        }
    }

    public void Settled(TransportEndpoint endpoint, Envelope? envelope, HarnessOutcome outcome, string? reason)
    {
        var delivery = new HarnessDelivery(endpoint.Name, envelope is null ? null : MessageOf(envelope), envelope?.MessageId ?? Guid.Empty, outcome, reason);
        lock (_gate)
        {
            _settled.Add(delivery);
            if (envelope is not null)
            {
                if (!_unsettled.ContainsKey((envelope.MessageId, endpoint.Name)))
                {
                    return; // a scheduled message the test already delivered itself, come due after all: never counted
                }

                Track(envelope.MessageId, endpoint.Name, -1);
            }

            Add(-1);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (Matches(_waiters[i].Match, delivery, _waiters[i].Found))
                {
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Completes with the first delivery, past or future, that <paramref name="match"/> accepts.</summary>
    public Task<HarnessDelivery> WaitForAsync(Func<HarnessDelivery, bool> match)
    {
        var found = new TaskCompletionSource<HarnessDelivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (HarnessDelivery delivery in _settled)
            {
                if (Matches(match, delivery, found))
                {
                    return found.Task;
                }
            }

            _waiters.Add((match, found));
        }

        return found.Task;
    }

    /// <summary>
    /// Whether <paramref name="match"/> is done with: it accepted <paramref name="delivery"/>, or threw. The test's
    /// predicate runs inside a delivery's settlement, so what it throws goes to the test's wait, not to the delivery.
    /// </summary>
    private static bool Matches(Func<HarnessDelivery, bool> match, HarnessDelivery delivery, TaskCompletionSource<HarnessDelivery> found)
    {
        try
        {
            return match(delivery) && found.TrySetResult(delivery);
        }
        catch (Exception ex)
        {
            found.TrySetException(ex);
            return true;
        }
    }

    /// <summary>Completes when nothing is pending; faults with what is still pending after <paramref name="timeout"/>.</summary>
    public async Task WhenIdleAsync(TimeSpan timeout)
    {
        Task idle;
        lock (_gate)
        {
            idle = _idle.Task;
        }

        try
        {
            await idle.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            string pending;
            lock (_gate)
            {
                var waiting = new List<string>();
                foreach (KeyValuePair<(Guid MessageId, string Endpoint), int> entry in _unsettled)
                {
                    waiting.Add($"{entry.Key.MessageId} on {entry.Key.Endpoint}");
                }

                pending = $"{_pending} deliveries are still pending ({string.Join("; ", waiting)})";
            }

            throw new TimeoutException($"The bus was not idle within {timeout}: {pending}. A handler may be stuck, or waiting for something the test never does.");
        }
    }

    private void Track(Guid messageId, string endpoint, int change)
    {
        lock (_gate)
        {
            int count = _unsettled.GetValueOrDefault((messageId, endpoint)) + change;
            if (count > 0)
            {
                _unsettled[(messageId, endpoint)] = count;
            }
            else
            {
                _unsettled.Remove((messageId, endpoint));
            }
        }
    }

    private void Add(int change)
    {
        int before = _pending;
        _pending += change;
        if (before == 0 && _pending > 0)
        {
            _idle = NewIdle(completed: false);
        }
        else if (before > 0 && _pending <= 0)
        {
            _idle.TrySetResult();
        }
    }

    private static object? MessageOf(Envelope envelope) =>
        envelope.Message ?? (envelope.Payload.IsEmpty ? null : envelope.Contract.Deserialize(envelope.Payload));

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            idle.TrySetResult();
        }

        return idle;
    }
}
