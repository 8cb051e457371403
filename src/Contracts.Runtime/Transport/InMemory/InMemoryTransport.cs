using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
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
/// <remarks>Longer than most files: sending, the durable queue, delays and the drain at stop share the pending count that stopping waits for.</remarks>
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

    internal long Pending => Interlocked.Read(ref _pending);

    internal ILogger Logger => _logger;

    internal Durability.StoreClaims Claims => _claims;

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

            var control = new ImmediateDelivery(this);
            var queue = new EndpointQueue(endpoint, control, OnDropped);
            control.Queue = queue;
            queues[endpoint.Index] = queue;
            _byName[endpoint.Name] = queue;
            (routes[endpoint.Contract.Index] ??= []).Add(queue);
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
            queue.Start(ProcessAsync);
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

    public ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _state) != Running && Volatile.Read(ref _state) != Stopping)
        {
            return ValueTask.FromException(StoppedError(envelope));
        }

        if (endpoint is not null)
        {
            EndpointQueue queue = _queues[endpoint.Index];
            return _durable && envelope.Reply is null
                ? PersistAndEnqueueAsync(envelope, [queue], cancellationToken)
                : EnqueueDeliveryAsync(new InMemoryDelivery(envelope, null), queue, cancellationToken);
        }

        EndpointQueue[] route = Route(envelope.Contract);
        if (route.Length == 0)
        {
            return ValueTask.CompletedTask;
        }

        if (_durable && envelope.Reply is null)
        {
            return PersistAndEnqueueAsync(envelope, route, cancellationToken);
        }

        return route.Length == 1
            ? EnqueueDeliveryAsync(new InMemoryDelivery(envelope, null), route[0], cancellationToken)
            : EnqueueAllAsync(envelope, route, cancellationToken);
    }

    public ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The in-memory transport completes a query's caller directly; it sends no reply messages.");

    private static readonly EndpointQueue[] s_noRoute = [];

    private EndpointQueue[] Route(ContractDescriptor contract)
    {
        EndpointQueue[]?[] routes = _routes;
        if ((uint)contract.Index < (uint)routes.Length && routes[contract.Index] is { } route)
        {
            return route;
        }

        return contract.Kind == MessageKind.Event ? s_noRoute : throw new NoHandlerException(contract);
    }

    /// <summary>Queues an event for each subscription in turn; only a subscription that makes the publisher wait costs a state machine.</summary>
    private ValueTask EnqueueAllAsync(Envelope envelope, EndpointQueue[] route, CancellationToken cancellationToken)
    {
        for (int i = 0; i < route.Length; i++)
        {
            ValueTask write = EnqueueDeliveryAsync(new InMemoryDelivery(envelope, null), route[i], cancellationToken);
            if (!write.IsCompletedSuccessfully)
            {
                return EnqueueRestAsync(write, envelope, route, i + 1, cancellationToken);
            }
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask EnqueueRestAsync(ValueTask pending, Envelope envelope, EndpointQueue[] route, int next, CancellationToken cancellationToken)
    {
        await pending.ConfigureAwait(false);
        for (int i = next; i < route.Length; i++)
        {
            await EnqueueDeliveryAsync(new InMemoryDelivery(envelope, null), route[i], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Commits one record per subscription (one commit), then queues each in memory.</summary>
    private async ValueTask PersistAndEnqueueAsync(Envelope envelope, EndpointQueue[] route, CancellationToken cancellationToken)
    {
        if (!_storeReady.IsCompletedSuccessfully)
        {
            await _storeReady.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var records = new MessageRecord[route.Length];
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = MessageRecord.FromEnvelope(envelope, route[i].Name, envelope.Payload);
        }

        await _store.Queue.EnqueueAsync(records, _claims.Next(), cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < records.Length; i++)
        {
            try
            {
                await EnqueueDeliveryAsync(new InMemoryDelivery(envelope, records[i]), route[i], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                // Committed but not queued in memory (stopping, full, cancelled): the store delivers it after the next start.
                Log.PersistedNotQueued(_logger, ex, envelope.MessageId, route[i].Name);
            }
        }
    }

    /// <summary>Queues one delivery, or schedules it when it is due later.</summary>
    internal ValueTask EnqueueDeliveryAsync(InMemoryDelivery delivery, EndpointQueue queue, CancellationToken cancellationToken)
    {
        if (delivery.Envelope.DeliverAt is { } due && due > _time.GetUtcNow())
        {
            Interlocked.Increment(ref delivery.Record is null ? ref _scheduled : ref _durableScheduled);
            _ = DeliverLaterAsync(queue, delivery, due);
            return ValueTask.CompletedTask;
        }

        Interlocked.Increment(ref _pending);
        ValueTask write = queue.WriteAsync(delivery, cancellationToken);
        return write.IsCompletedSuccessfully ? ValueTask.CompletedTask : AwaitWriteAsync(write, delivery.Envelope);
    }

    private async ValueTask AwaitWriteAsync(ValueTask write, Envelope envelope)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            // The producer was still waiting for room when the bus stopped without time to drain.
            Completed();
            throw StoppedError(envelope, ex);
        }
        catch
        {
            Completed();
            throw;
        }
    }

    private static InvalidOperationException StoppedError(Envelope envelope, Exception? inner = null) => new(
        $"The bus has stopped; '{envelope.Contract}' {envelope.MessageId} was not sent. " +
        "Send before the host stops; while it drains, only handlers' sends are still handled.", inner);

    private async Task DeliverLaterAsync(EndpointQueue queue, InMemoryDelivery delivery, DateTimeOffset due)
    {
        bool durable = delivery.Record is not null;
        try
        {
            // The due time may have passed since the send checked it; a negative delay would throw and lose the message.
            TimeSpan delay = due - _time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, _timers.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return; // in memory: counted as lost at stop; durable: still in the store for the next start
        }

        Interlocked.Decrement(ref durable ? ref _durableScheduled : ref _scheduled);
        Interlocked.Increment(ref _pending);
        try
        {
            await queue.WriteAsync(delivery, _timers.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Completed();
            Log.HandlerFailed(_logger, ex, queue.Endpoint.Handler.HandlerName, delivery.Envelope.Contract.Name, delivery.Envelope.MessageId, delivery.Envelope.Attempt, queue.Name);
        }
    }

    private void OnDropped(EndpointQueue queue, InMemoryDelivery delivery)
    {
        ContractsTelemetry.Dropped.Add(1, ContractsTelemetry.ContractTag(delivery.Envelope.Contract), ContractsTelemetry.EndpointTag(queue.Name));
        Log.Dropped(_logger, queue.Name, delivery.Envelope.MessageId, delivery.Envelope.Contract.Name);
        delivery.Envelope.Reply?.TrySetException(new EndpointFullException(queue.Name, queue.Options.Capacity));
        Completed();
    }

    private void Completed()
    {
        if (Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _state) == Stopping)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>One delivery off a queue: the core settles it through its control; a stored one has a control of its own.</summary>
    private ValueTask ProcessAsync(EndpointQueue queue, InMemoryDelivery delivery)
    {
        IDeliveryControl control = delivery.Record is { } record ? new StoredDelivery(this, queue, record) : queue.Control;
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
            Completed();
            return ValueTask.CompletedTask;
        }

        return AwaitReceivedAsync(received, queue, delivery.Envelope);
    }

    private async ValueTask AwaitReceivedAsync(ValueTask received, EndpointQueue queue, Envelope envelope)
    {
        try
        {
            await received.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The pipeline settles every failure itself; what reaches here is its last resort, and the worker goes on.
            Log.HandlerFailed(_logger, ex, queue.Endpoint.Handler.HandlerName, envelope.Contract.Name, envelope.MessageId, envelope.Attempt, queue.Name);
        }
        finally
        {
            Completed();
        }
    }

    /// <summary>Removes a handled record without waiting: it joins the next group commit, and a crash before it only delivers the message again.</summary>
    internal void CompleteInBackground(MessageRecord record)
    {
        ValueTask completion = _store.Queue.CompleteAsync(record, CancellationToken.None);
        if (!completion.IsCompletedSuccessfully)
        {
            Interlocked.Increment(ref _completing);
            _ = ObserveAsync(completion);
        }
    }

    private async Task ObserveAsync(ValueTask completion)
    {
        try
        {
            await completion.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.StoreFailed(_logger, ex, "removing a handled message (it will be delivered again after a restart)");
        }
        finally
        {
            Interlocked.Decrement(ref _completing);
        }
    }

    internal bool TryGetQueue(string endpoint, out EndpointQueue queue) => _byName.TryGetValue(endpoint, out queue!);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Stopping, Running) != Running)
        {
            return;
        }

        // Recovery stops first: what it has not queued stays in the store.
        await _recoveryStop.CancelAsync().ConfigureAwait(false);
        await _recovery.ConfigureAwait(false);

        TimeSpan timeout = _context!.ShutdownTimeout;
        long pending = Interlocked.Read(ref _pending);
        Log.Stopping(_logger, pending, timeout);
        if (pending == 0)
        {
            _drained.TrySetResult();
        }

        // Handlers may still send while draining; stop accepting only once everything queued is handled.
        try
        {
            await _drained.Task.WaitAsync(_context.Aborted).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.DrainTimedOut(_logger, Interlocked.Read(ref _pending), timeout);
        }

        _state = Stopped;
        foreach (EndpointQueue queue in _queues)
        {
            queue.Complete();
        }

        await _timers.CancelAsync().ConfigureAwait(false);
        var workers = new Task[_queues.Length];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = _queues[i].Completion;
        }

        try
        {
            // A handler that ignores its cancelled token must not hold the host forever: the host's token bounds the wait.
            await Task.WhenAll(workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.HandlersAbandoned(_logger, Interlocked.Read(ref _pending));
        }

        // Removals of handled messages are committed in the background; a clean stop leaves none of them undone.
        for (int i = 0; i < 500 && Interlocked.Read(ref _completing) > 0 && !cancellationToken.IsCancellationRequested; i++)
        {
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }

        long lost = Interlocked.Read(ref _scheduled);
        if (lost > 0)
        {
            Log.DelayedLost(_logger, lost);
        }
    }

    /// <summary>Synchronous disposal stops at once: queued messages are not handled (durable ones stay in the store).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _state, Stopped) is Running or Stopping)
        {
            foreach (EndpointQueue queue in _queues)
            {
                queue.Complete();
            }

            _recoveryStop.Cancel();
            _timers.Cancel();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
