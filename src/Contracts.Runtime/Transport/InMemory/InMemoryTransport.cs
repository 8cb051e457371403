using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Storage;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport.InMemory;

/// <summary>
/// The embedded transport: a bounded in-process queue per endpoint (<see cref="EndpointQueue"/>) with its workers.
/// Over a durable store the queues are durable too: a send returns once its records are committed (one per
/// subscription), a record is removed once its delivery is settled, and what was queued when the process stopped is
/// delivered again at start. Delays are timers (kept in the store when it is durable); dead letters live in the store.
/// </summary>
/// <remarks>
/// Split by concern: sending, the durable queue and delays in <c>.Sending.cs</c>, take-over of stored rows in
/// <c>.Recovery.cs</c>, the drain in <c>.Stopping.cs</c>; they share the pending count that stopping waits for.
/// </remarks>
internal sealed partial class InMemoryTransport : ITransport, IDisposable
{
    private const int Running = 1, Stopping = 2, Stopped = 3;

    private readonly IMessageStore _store;
    private readonly Task _storeReady;
    private readonly Durability.StoreClaims _claims;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _durable;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _timers = new();
    private readonly CancellationTokenSource _recoveryStop = new();
    private readonly Dictionary<string, EndpointQueue> _byName = new(StringComparer.Ordinal);
    private EndpointQueue[] _queues = [];
    private EndpointQueue[]?[] _routes = [];
    private ITransportReceiver? _receiver;
    private TransportContext? _context;
    private Task _recovery = Task.CompletedTask;
    private long _pending;
    private long _scheduled;
    private long _durableScheduled;
    private long _completing;

    /// <summary>Stored rows whose settling failed (the store was away): removed (handled) or released (not) once it answers.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<(MessageRecord Record, bool Complete)> _unsettled = new();
    private int _state;

    /// <param name="store">The store: durable queues when it is durable, and the dead letters in any case.</param>
    /// <param name="storeReady">Completes once the store is initialized.</param>
    /// <param name="claims">The bus's claims on the rows it queues and takes over.</param>
    /// <param name="time">The clock of delays.</param>
    /// <param name="logger">The runtime's logger.</param>
    public InMemoryTransport(IMessageStore store, Task storeReady, Durability.StoreClaims claims, TimeProvider time, ILogger logger)
    {
        _store = store;
        _storeReady = storeReady;
        _claims = claims;
        _time = time;
        _logger = logger;
        _durable = (store.Capabilities & StoreCapabilities.Durable) != 0;
        DeadLetters = new InMemoryDeadLetters(this);
    }

    public TransportCapabilities Capabilities =>
        TransportCapabilities.InProcess | TransportCapabilities.NativeDelay | TransportCapabilities.NativeDeadLetters |
        (_durable ? TransportCapabilities.Durable : TransportCapabilities.None);

    public string? ReplyAddress => null;

    public IDeadLetterQueue DeadLetters { get; }

    internal IMessageStore Store => _store;

    internal bool IsDurable => _durable;

    internal ContractCatalog Catalog => (_context ?? throw new InvalidOperationException("The bus has not started.")).Catalog;

    internal ILogger Logger => _logger;

    internal Durability.StoreClaims Claims => _claims;

    /// <summary>A priority queue in process is bounded by a counter and has one lane: it cannot drop or keep order per key.</summary>
    private static void CheckPriority(TransportEndpoint endpoint)
    {
        EndpointOptions options = endpoint.Options;
        if (options.MaxPriority == 0)
        {
            return;
        }

        if (options.FullMode is not (EndpointFullMode.Wait or EndpointFullMode.Reject))
        {
            throw new InvalidOperationException(
                $"Endpoint '{endpoint.Name}' has MaxPriority {options.MaxPriority} and FullMode {options.FullMode}: the in-memory transport's " +
                "priority queue waits or rejects when full, it does not drop (which message is the oldest one among priorities?). " +
                "Set FullMode to Wait or Reject, or MaxPriority to 0.");
        }

        if (endpoint.HasPartitionKey)
        {
            throw new InvalidOperationException(
                $"Endpoint '{endpoint.Name}' has MaxPriority {options.MaxPriority}, but its contract '{endpoint.Contract.Name}' has a partition key: " +
                "a priority would let a later message of a key overtake an earlier one. Keep one of the two.");
        }
    }

    public Task StartAsync(TransportContext context, CancellationToken cancellationToken)
    {
        _context = context;
        _receiver = context.Receiver;
        int maxIndex = -1;
        foreach (ContractDescriptor contract in context.Catalog.Contracts)
        {
            maxIndex = Math.Max(maxIndex, contract.Index);
        }

        var queues = new EndpointQueue[context.Endpoints.Count];
        var routes = new List<EndpointQueue>?[maxIndex + 1];
        foreach (TransportEndpoint endpoint in context.Endpoints)
        {
            if (!endpoint.Options.Consume)
            {
                throw new InvalidOperationException(
                    $"Endpoint '{endpoint.Name}' is set not to be consumed, but the in-memory transport has no other process to consume it. " +
                    "Consume = false is for broker transports.");
            }

            CheckPriority(endpoint);

            var control = new ImmediateDelivery(this);
            var queue = new EndpointQueue(endpoint, control, OnDropped);
            control.Queue = queue;
            queues[endpoint.Index] = queue;
            _byName[endpoint.Name] = queue;
            foreach (ContractDescriptor carried in endpoint.Contracts)
            {
                (routes[carried.Index] ??= []).Add(queue); // a topic subscription is matched here, once, against the catalog
            }
        }

        var table = new EndpointQueue[]?[routes.Length];
        for (int i = 0; i < routes.Length; i++)
        {
            table[i] = routes[i]?.ToArray();
        }

        _queues = queues;
        _routes = table;
        _state = Running;
        foreach (EndpointQueue queue in queues)
        {
            queue.Start(ProcessAsync, ResumeLater, Processed);
        }

        if (_durable)
        {
            CancellationToken stop = _recoveryStop.Token;
            using (ExecutionContext.SuppressFlow())
            {
                _recovery = Task.Run(() => TakeOverAsync(stop), CancellationToken.None);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>One delivery off a queue: the core settles it through its control; a stored one has a control of its own.</summary>
    private ValueTask ProcessAsync(EndpointQueue queue, InMemoryDelivery delivery)
    {
        IDeliveryControl control = delivery.Record is { } record ? new StoredDelivery(this, queue, record) : queue.Control;
        return ProcessAsync(queue, delivery, control);
    }

    private ValueTask ProcessAsync(EndpointQueue queue, InMemoryDelivery delivery, IDeliveryControl control)
    {
        ValueTask received;
        try
        {
            received = _receiver!.ReceiveAsync(queue.Endpoint, delivery.Envelope, control);
        }
        catch (Exception ex)
        {
            received = ValueTask.FromException(ex);
        }

        if (received.IsCompletedSuccessfully)
        {
            Processed(queue, delivery);
            if (delivery.Envelope.Pooling == Envelope.Released)
            {
                EnvelopePool.Return(delivery.Envelope); // a command handled at once, its envelope given to no one
            }

            return ValueTask.CompletedTask;
        }

        return AwaitReceivedAsync(received, queue, delivery, control);
    }

    /// <summary>
    /// A retry parked by its lane on an ordered endpoint: once due it goes back to its lane, which runs it before the
    /// later messages of its key. A stop that cancels the wait leaves a stored retry in the store (delivered after the
    /// next start, still first of its key) and loses one in memory.
    /// </summary>
    private void ResumeLater(EndpointQueue queue, InMemoryDelivery retry) => _ = ResumeLaterAsync(queue, retry);

    private async Task ResumeLaterAsync(EndpointQueue queue, InMemoryDelivery retry)
    {
        try
        {
            TimeSpan delay = (retry.Envelope.DeliverAt ?? _time.GetUtcNow()) - _time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, _timers.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            if (retry.Record is null)
            {
                Interlocked.Increment(ref _scheduled); // counted with the delayed messages lost at stop
            }

            Processed(queue, retry);
            return;
        }

        // A queue that closed meanwhile settles it as it ends its lane.
        queue.Resume(retry);
    }

    private async ValueTask AwaitReceivedAsync(ValueTask received, EndpointQueue queue, InMemoryDelivery delivery, IDeliveryControl control)
    {
        try
        {
            await received.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The pipeline settles every failure itself; what reaches here is its last resort (the store failed under a
            // settle), and the worker goes on. A stored row left claimed is released by the take-over once the store answers.
            Envelope envelope = delivery.Envelope;
            Log.HandlerFailed(_logger, ex, queue.Endpoint.Handler.HandlerName, envelope.Contract.Name, envelope.MessageId, envelope.Attempt, queue.Name);
            if (control is StoredDelivery { Settled: false } stored)
            {
                _unsettled.Enqueue((stored.Record, Complete: false));
            }
        }
        finally
        {
            Processed(queue, delivery);
        }
    }

    /// <summary>A delivery left the worker; a claimed one frees its claim slot, and the take-over may claim the next row.</summary>
    private void Processed(EndpointQueue queue, InMemoryDelivery delivery)
    {
        if (delivery.Claimed)
        {
            ClaimSettled(queue);
        }

        Completed();
    }

    /// <summary>Removes a handled record without waiting: it joins the next group commit, and a crash before it only delivers the message again.</summary>
    internal void CompleteInBackground(MessageRecord record)
    {
        ValueTask completion = _store.Queue.CompleteAsync(record, CancellationToken.None);
        if (!completion.IsCompletedSuccessfully)
        {
            Interlocked.Increment(ref _completing);
            _ = ObserveAsync(completion, record);
        }
    }

    private async Task ObserveAsync(ValueTask completion, MessageRecord record)
    {
        try
        {
            await completion.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.StoreFailed(_logger, ex, "removing a handled message (the take-over removes it once the store answers)");
            _unsettled.Enqueue((record, Complete: true));
        }
        finally
        {
            Interlocked.Decrement(ref _completing);
        }
    }

    /// <summary>The messages queued in this process for <paramref name="endpoint"/> (none before the transport started).</summary>
    public ValueTask<long?> CountBacklogAsync(TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        EndpointQueue[] queues = _queues;
        return ValueTask.FromResult<long?>(endpoint.Index < queues.Length ? queues[endpoint.Index].Backlog : 0);
    }

    internal bool TryGetQueue(string endpoint, out EndpointQueue queue) => _byName.TryGetValue(endpoint, out queue!);

}
