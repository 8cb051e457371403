using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Modules;
using Contracts.Pipeline;
using Contracts.Storage;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport;

/// <summary>
/// Routes envelopes to endpoints and runs their consumers. Routing is an array indexed by the contract's
/// dense index: one endpoint for a command or query, one per subscribing handler for an event. With a broker
/// transport the broker routes and delivers, and this class keeps the consume pipeline (retries, inbox, dead letters).
/// </summary>
internal sealed class ContractsRuntime : IAsyncDisposable, IDisposable, ITransportReceiver
{
    private const int Created = 0, Running = 1, Stopping = 2, Stopped = 3;

    private readonly ContractsOptions _options;
    private readonly TransportOptions _transport;
    private readonly IMessageTransport? _broker;
    private readonly TransportEndpoint[] _brokerEndpoints = [];
    private readonly ConcurrentDictionary<Guid, (ContractDescriptor Contract, QueryReply Reply)> _waitingQueries = new();

    /// <summary>Inbox keys being handled in this process right now, per endpoint (effectively-once endpoints only).</summary>
    private readonly ConcurrentDictionary<(string Endpoint, string Key), TaskCompletionSource> _handling = new();
    private readonly ILogger _logger;
    private readonly IServiceScopeFactory _scopes;
    private readonly IServiceProvider _services;
    private readonly ServiceLifetimes? _lifetimes;
    private readonly TimeProvider _time;
    private readonly Subscription[]?[] _routes;
    private static readonly Subscription[] s_noRoute = [];
    private readonly InMemoryEndpoint[] _endpoints;
    private readonly ConsumeDelegate _pipeline;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ContractCatalog _catalog;
    private readonly int _handlerCount;
    private readonly IMessageStore _store;
    private readonly bool _durable;
    private readonly bool _queuesInStore;
    private readonly Dictionary<string, Subscription> _byEndpoint = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _storeReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _backgroundStop = new();
    private readonly List<Task> _background = [];
    private readonly SemaphoreSlim _relayWake = new(0, 1);
    private DeliveryServices? _delivery;
    private long _pending;
    private long _scheduled;
    private long _durableScheduled;
    private long _completing;
    private int _state;

    public ContractsRuntime(
        ContractsOptions options,
        ContractCatalog catalog,
        IReadOnlyList<HandlerDescriptor> handlers,
        IEnumerable<IConsumeMiddleware> middlewares,
        IServiceProvider services,
        ILogger<ContractsRuntime> logger,
        TimeProvider? time = null,
        IMessageStore? store = null,
        IMessageTransport? broker = null,
        ServiceLifetimes? lifetimes = null)
    {
        _options = options;
        _transport = options.TransportSettings;
        _broker = broker;
        _lifetimes = lifetimes;
        _catalog = catalog;
        _handlerCount = handlers.Count;
        _services = services;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _store = store ?? new InMemoryMessageStore(options.MaxInMemoryDeadLetters, _time);
        _durable = _store.IsDurable;
        _queuesInStore = _durable && broker is null;

        int maxIndex = -1;
        foreach (ContractDescriptor contract in catalog.Contracts)
        {
            maxIndex = Math.Max(maxIndex, contract.Index);
        }

        _routes = new Subscription[]?[maxIndex + 1];
        var endpoints = new List<InMemoryEndpoint>();
        var byHandler = new Dictionary<ContractDescriptor, List<HandlerDescriptor>>();
        foreach (HandlerDescriptor handler in handlers)
        {
            if (!byHandler.TryGetValue(handler.Contract, out List<HandlerDescriptor>? list))
            {
                byHandler[handler.Contract] = list = [];
            }

            list.Add(handler);
        }

        foreach ((ContractDescriptor contract, List<HandlerDescriptor> list) in byHandler)
        {
            if (contract.Kind != MessageKind.Event && list.Count > 1)
            {
                throw new InvalidOperationException(
                    $"'{contract}' has {list.Count} handlers ({string.Join(", ", list.ConvertAll(h => h.HandlerName))}); " +
                    $"a {contract.Kind.ToString().ToLowerInvariant()} is delivered to exactly one. Remove all but one.");
            }

            var route = new Subscription[list.Count];
            for (int i = 0; i < list.Count; i++)
            {
                string contractEndpoint = EndpointName(contract);
                string name = contract.Kind == MessageKind.Event ? $"{contractEndpoint}/{list[i].HandlerName}" : contractEndpoint;
                var endpoint = new InMemoryEndpoint(name, _transport.Resolve(name, contractEndpoint), OnDropped);
                endpoints.Add(endpoint);
                route[i] = new Subscription(list[i], endpoint);
                _byEndpoint[name] = route[i];
            }

            _routes[contract.Index] = route;
        }

        _endpoints = [.. endpoints];
        if (broker is not null)
        {
            var consumed = new List<TransportEndpoint>(_endpoints.Length);
            foreach (InMemoryEndpoint endpoint in _endpoints)
            {
                if (endpoint.Options.Consume)
                {
                    consumed.Add(new TransportEndpoint(endpoint.Name, _byEndpoint[endpoint.Name].Handler.Contract, endpoint.Options));
                }
            }

            _brokerEndpoints = [.. consumed];
        }
        else
        {
            foreach (InMemoryEndpoint endpoint in _endpoints)
            {
                if (!endpoint.Options.Consume)
                {
                    throw new InvalidOperationException(
                        $"Endpoint '{endpoint.Name}' is set not to be consumed, but the in-memory transport has no other process to consume it. " +
                        "Consume = false is for broker transports.");
                }
            }
        }

        WarnAboutUnknownEndpoints(endpoints);

        IConsumeMiddleware[] steps = [.. middlewares];
        ConsumeDelegate pipeline = InvokeHandlerAsync;
        for (int i = steps.Length - 1; i >= 0; i--)
        {
            IConsumeMiddleware step = steps[i];
            ConsumeDelegate next = pipeline;
            pipeline = context => step.InvokeAsync(context, next);
        }

        _pipeline = pipeline;
    }

    public IReadOnlyList<InMemoryEndpoint> Endpoints => _endpoints;

    /// <summary>A setting for an endpoint that does not exist is most likely a typo: say so rather than ignore it.</summary>
    private void WarnAboutUnknownEndpoints(List<InMemoryEndpoint> endpoints)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (InMemoryEndpoint endpoint in endpoints)
        {
            known.Add(endpoint.Name);
            int slash = endpoint.Name.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
            {
                known.Add(endpoint.Name[..slash]);
            }
        }

        foreach (string configured in _transport.ConfiguredEndpoints)
        {
            if (!known.Contains(configured))
            {
                Log.UnknownEndpoint(_logger, configured);
            }
        }
    }

    public bool SerializeMessages => _broker is not null || _transport.Serializes;

    /// <summary>Whether commands and events are persisted in the store before a send returns (not with a broker, which keeps them).</summary>
    public bool Durable => _queuesInStore;

    /// <summary>The broker transport, or <see langword="null"/> in memory.</summary>
    public IMessageTransport? Broker => _broker;

    public IMessageStore Store => _store;

    public ContractsOptions Options => _options;

    public TimeProvider Time => _time;

    /// <summary>Set once by the bus: the context of every delivery sends through it.</summary>
    internal MessageBus Bus { set => _delivery = new DeliveryServices(value, _scopes, _services, _lifetimes); }

    public static string EndpointName(ContractDescriptor contract) =>
        contract.Version == 1 ? contract.Name : $"{contract.Name}.v{contract.Version}";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Running, Created) != Created)
        {
            return;
        }

        long recoverUpTo;
        try
        {
            recoverUpTo = await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            _storeReady.TrySetResult();
        }
        catch (Exception ex)
        {
            _storeReady.TrySetException(ex);
            throw;
        }

        if (_broker is not null)
        {
            await StartBrokerAsync(_broker, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            foreach (InMemoryEndpoint endpoint in _endpoints)
            {
                endpoint.Start(ProcessAsync);
            }
        }

        CancellationToken stop = _backgroundStop.Token;
        using (ExecutionContext.SuppressFlow())
        {
            if (_queuesInStore)
            {
                _background.Add(Task.Run(() => RecoverAsync(recoverUpTo, stop), CancellationToken.None));
            }

            if (_durable)
            {
                _background.Add(Task.Run(() => RelayAsync(stop), CancellationToken.None));
            }

            _background.Add(Task.Run(() => CleanUpAsync(stop), CancellationToken.None));
        }

        Log.Started(_logger, _catalog.Contracts.Count, _handlerCount, _endpoints.Length, SerializeMessages);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        int previous = Interlocked.CompareExchange(ref _state, Stopping, Running);
        if (previous == Created)
        {
            _state = Stopped;
            return;
        }

        if (previous != Running)
        {
            return;
        }

        // Recovery, the relay and clean-up stop first: what they have not delivered stays in the store.
        await _backgroundStop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_background).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        if (_broker is not null)
        {
            await StopBrokerAsync(_broker, cancellationToken).ConfigureAwait(false);
            return;
        }

        TimeSpan timeout = _options.ShutdownTimeout;
        long pending = Interlocked.Read(ref _pending);
        Log.Stopping(_logger, pending, timeout);
        if (pending == 0)
        {
            _drained.TrySetResult();
        }

        // Handlers may still send while draining; stop accepting only once everything queued is handled.
        bool drained = true;
        try
        {
            await _drained.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            drained = false;
            Log.DrainTimedOut(_logger, Interlocked.Read(ref _pending), timeout);
        }

        _state = Stopped;
        foreach (InMemoryEndpoint endpoint in _endpoints)
        {
            endpoint.Complete();
        }

        if (!drained || Interlocked.Read(ref _scheduled) > 0 || Interlocked.Read(ref _durableScheduled) > 0)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
        }

        var workers = new Task[_endpoints.Length];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = _endpoints[i].Completion;
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

        Log.Stopped(_logger);
    }

    /// <summary>The subscriptions of <paramref name="contract"/>: empty for an event without subscribers.</summary>
    public Subscription[] Route(ContractDescriptor contract)
    {
        if (_broker is not null)
        {
            return s_noRoute; // the broker routes, to endpoints in any process
        }

        Subscription[]?[] routes = _routes;
        if ((uint)contract.Index < (uint)routes.Length && routes[contract.Index] is { } route)
        {
            return route;
        }

        if (contract.Kind != MessageKind.Event)
        {
            throw new NoHandlerException(contract);
        }

        return s_noRoute;
    }

    /// <summary>
    /// Queues <paramref name="envelope"/> for every subscription of <paramref name="route"/>. With a durable store a
    /// command or event is first committed (one record per subscription, one commit), then queued in memory.
    /// </summary>
    public ValueTask EnqueueAsync(Envelope envelope, Subscription[] route, CancellationToken cancellationToken, ConsumeContext? within = null)
    {
        if (Volatile.Read(ref _state) >= Stopped)
        {
            return ValueTask.FromException(StoppedError(envelope));
        }

        if (_broker is not null)
        {
            if (within?.Transaction is { } consumeTransaction)
            {
                // A send inside a consume transaction goes to the outbox in it: published only if the handler's work
                // commits, by the relay, which the commit wakes.
                within.WroteOutbox = true;
                return consumeTransaction.WriteOutboxAsync(MessageRecord.FromEnvelope(envelope, endpoint: "", envelope.Payload), cancellationToken);
            }

            return ContractsTelemetry.Sent.Enabled ? SendCountedAsync(_broker, envelope, cancellationToken) : _broker.SendAsync(envelope, cancellationToken);
        }

        if (_durable && envelope.Reply is null)
        {
            return within?.Transaction is { } transaction
                ? EnqueueInTransactionAsync(envelope, route, within, transaction, cancellationToken)
                : PersistAndEnqueueAsync(envelope, route, cancellationToken);
        }

        if (route.Length == 1)
        {
            return EnqueueDeliveryAsync(new Delivery(envelope, route[0].Handler, null), route[0].Endpoint, cancellationToken);
        }

        return EnqueueAllAsync(envelope, route, cancellationToken);
    }

    private static async ValueTask SendCountedAsync(IMessageTransport broker, Envelope envelope, CancellationToken cancellationToken)
    {
        await broker.SendAsync(envelope, cancellationToken).ConfigureAwait(false);
        ContractsTelemetry.Sent.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
    }

    /// <summary>Queues an event for each subscription in turn; only a subscription that makes the publisher wait costs a state machine.</summary>
    private ValueTask EnqueueAllAsync(Envelope envelope, Subscription[] route, CancellationToken cancellationToken)
    {
        for (int i = 0; i < route.Length; i++)
        {
            ValueTask write = EnqueueDeliveryAsync(new Delivery(envelope, route[i].Handler, null), route[i].Endpoint, cancellationToken);
            if (!write.IsCompletedSuccessfully)
            {
                return EnqueueRestAsync(write, envelope, route, i + 1, cancellationToken);
            }
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask EnqueueRestAsync(ValueTask pending, Envelope envelope, Subscription[] route, int next, CancellationToken cancellationToken)
    {
        await pending.ConfigureAwait(false);
        for (int i = next; i < route.Length; i++)
        {
            await EnqueueDeliveryAsync(new Delivery(envelope, route[i].Handler, null), route[i].Endpoint, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask PersistAndEnqueueAsync(Envelope envelope, Subscription[] route, CancellationToken cancellationToken)
    {
        if (route.Length == 0)
        {
            return;
        }

        if (!_storeReady.Task.IsCompletedSuccessfully)
        {
            await _storeReady.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        MessageRecord[] records = RecordsFor(envelope, route);

        await _store.EnqueueAsync(records, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < records.Length; i++)
        {
            try
            {
                await EnqueueDeliveryAsync(new Delivery(envelope, route[i].Handler, records[i]), route[i].Endpoint, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                // Committed but not queued in memory (stopping, full, cancelled): the store delivers it after the next start.
                Log.PersistedNotQueued(_logger, ex, envelope.MessageId, route[i].Endpoint.Name);
            }
        }
    }

    /// <summary>
    /// A send from a handler inside its consume transaction: written in that transaction (so it exists only if the
    /// handler's work commits, and the writer never waits for the lock the handler holds), queued after the commit.
    /// </summary>
    private async ValueTask EnqueueInTransactionAsync(Envelope envelope, Subscription[] route, ConsumeContext within, IConsumeTransaction transaction, CancellationToken cancellationToken)
    {
        if (route.Length == 0)
        {
            return;
        }

        MessageRecord[] records = RecordsFor(envelope, route);

        await transaction.EnqueueAsync(records, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < records.Length; i++)
        {
            (within.AfterCommit ??= []).Add((new Delivery(envelope, route[i].Handler, records[i]), route[i].Endpoint));
        }
    }

    /// <summary>One stored record per subscription: each endpoint consumes, retries and completes its copy on its own.</summary>
    private static MessageRecord[] RecordsFor(Envelope envelope, Subscription[] route)
    {
        var records = new MessageRecord[route.Length];
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = MessageRecord.FromEnvelope(envelope, route[i].Endpoint.Name, envelope.Payload);
        }

        return records;
    }

    private async ValueTask DispatchAfterCommitAsync(ConsumeContext context)
    {
        if (context.AfterCommit is not { } sent)
        {
            return;
        }

        foreach ((Delivery delivery, InMemoryEndpoint target) in sent)
        {
            try
            {
                await EnqueueDeliveryAsync(delivery, target, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                Log.PersistedNotQueued(_logger, ex, delivery.Envelope.MessageId, target.Name);
            }
        }

        sent.Clear();
    }

    /// <summary>Queues one delivery, or schedules it when it is due later.</summary>
    private ValueTask EnqueueDeliveryAsync(Delivery delivery, InMemoryEndpoint endpoint, CancellationToken cancellationToken)
    {
        Envelope envelope = delivery.Envelope;
        if (envelope.DeliverAt is { } due && due > _time.GetUtcNow())
        {
            Interlocked.Increment(ref delivery.Record is null ? ref _scheduled : ref _durableScheduled);
            _ = DeliverLaterAsync(endpoint, delivery, due);
            return ValueTask.CompletedTask;
        }

        Interlocked.Increment(ref _pending);
        ValueTask write = endpoint.WriteAsync(delivery, cancellationToken);
        if (write.IsCompletedSuccessfully)
        {
            if (ContractsTelemetry.Sent.Enabled)
            {
                ContractsTelemetry.Sent.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
            }

            return ValueTask.CompletedTask;
        }

        return AwaitWriteAsync(write, envelope);
    }

    private async ValueTask AwaitWriteAsync(ValueTask write, Envelope envelope)
    {
        try
        {
            await write.ConfigureAwait(false);
            ContractsTelemetry.Sent.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
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

    private async Task DeliverLaterAsync(InMemoryEndpoint endpoint, Delivery delivery, DateTimeOffset due)
    {
        bool durable = delivery.Record is not null;
        try
        {
            // The due time may have passed since the send checked it; a negative delay would throw and lose the message.
            TimeSpan delay = due - _time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, _abort.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return; // in memory: counted as lost in StopAsync; durable: still in the store for the next start
        }

        Interlocked.Decrement(ref durable ? ref _durableScheduled : ref _scheduled);
        Interlocked.Increment(ref _pending);
        try
        {
            await endpoint.WriteAsync(delivery, _abort.Token).ConfigureAwait(false);
            ContractsTelemetry.Sent.Add(1, ContractsTelemetry.ContractTag(delivery.Envelope.Contract));
        }
        catch (Exception ex)
        {
            Completed();
            Log.HandlerFailed(_logger, ex, delivery.Handler.HandlerName, delivery.Envelope.Contract.Name, delivery.Envelope.MessageId, delivery.Envelope.Attempt, endpoint.Name);
        }
    }

    private void OnDropped(InMemoryEndpoint endpoint, Delivery delivery)
    {
        ContractsTelemetry.Dropped.Add(1, ContractsTelemetry.ContractTag(delivery.Envelope.Contract), ContractsTelemetry.EndpointTag(endpoint.Name));
        Log.Dropped(_logger, endpoint.Name, delivery.Envelope.MessageId, delivery.Envelope.Contract.Name);
        delivery.Envelope.Reply?.TrySetException(new EndpointFullException(endpoint.Name, endpoint.Options.Capacity));
        Completed();
    }

    private void Completed()
    {
        if (Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _state) == Stopping)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Handles one delivery; returns whether it is settled (handled, retried later or dead-lettered) rather than abandoned.</summary>
    /// <remarks>
    /// Most deliveries are a command or event in memory, on an endpoint without an inbox, to a handler that completes
    /// at once, with nobody tracing: those run here without an async state machine. Anything else (or a first attempt
    /// that fails or suspends) continues in <see cref="ProcessSlowAsync"/>, which picks up the attempt already started.
    /// </remarks>
    private ValueTask<bool> ProcessAsync(InMemoryEndpoint endpoint, Delivery delivery)
    {
        Envelope envelope = delivery.Envelope;
        if (envelope.Reply is not null || delivery.Record is not null || endpoint.Options.Delivery == DeliveryMode.EffectivelyOnce ||
            _abort.IsCancellationRequested || ContractsTelemetry.ActivitySource.HasListeners() || ContractsTelemetry.HandlerDuration.Enabled)
        {
            return ProcessSlowAsync(endpoint, delivery, started: null);
        }

        var context = new ConsumeContext(_delivery!, envelope, delivery.Handler, endpoint.Name, _abort.Token);
        // An async method restores the ambient state (AsyncLocal values, culture, Activity.Current) its callees
        // changed; this one is not async, so it does it itself: a handler's ambient state must not reach the next
        // delivery on this worker.
        ExecutionContext? ambient = ExecutionContext.Capture();
        ValueTask attempt;
        try
        {
            attempt = _pipeline(context);
        }
        catch (Exception ex)
        {
            attempt = ValueTask.FromException(ex);
        }

        if (ambient is not null && !ReferenceEquals(ExecutionContext.Capture(), ambient))
        {
            ExecutionContext.Restore(ambient);
        }

        if (!attempt.IsCompletedSuccessfully)
        {
            return ProcessSlowAsync(endpoint, delivery, new StartedAttempt(context, attempt));
        }

        if (ContractsTelemetry.Handled.Enabled)
        {
            ContractsTelemetry.Handled.Add(1, ContractsTelemetry.ContractTag(envelope.Contract), ContractsTelemetry.EndpointTag(endpoint.Name));
        }

        ValueTask disposed;
        try
        {
            disposed = context.DisposeAsync();
        }
        catch (Exception ex)
        {
            disposed = ValueTask.FromException(ex); // a scope that is only IDisposable throws here, not in the task
        }

        if (!disposed.IsCompletedSuccessfully)
        {
            return AfterDisposeAsync(disposed, context, endpoint);
        }

        Completed();
        return new ValueTask<bool>(true);
    }

    /// <summary>The fast path's first attempt, when it failed or has not finished: the slow path takes it over.</summary>
    private readonly record struct StartedAttempt(ConsumeContext Context, ValueTask Attempt);

    private async ValueTask<bool> AfterDisposeAsync(ValueTask disposed, ConsumeContext context, InMemoryEndpoint endpoint)
    {
        try
        {
            await disposed.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.ScopeDisposeFailed(_logger, ex, context.Handler.HandlerName, context.Envelope.Contract.Name, context.Envelope.MessageId, endpoint.Name);
        }
        finally
        {
            Completed();
        }

        return true;
    }

    private async ValueTask<bool> ProcessSlowAsync(InMemoryEndpoint endpoint, Delivery delivery, StartedAttempt? started)
    {
        Envelope envelope = delivery.Envelope;
        if (started is null && _abort.IsCancellationRequested)
        {
            // Shutdown ran out of time: calling a handler with a cancelled token only wastes the time left.
            Log.NotHandled(_logger, endpoint.Name, envelope.MessageId, envelope.Contract.Name);
            envelope.Reply?.TrySetException(new OperationCanceledException($"The bus stopped before '{envelope.Contract}' {envelope.MessageId} was handled."));
            Completed();
            return false;
        }

        bool settled = true;
        // A query's handler also stops when its caller gives up; other deliveries share the bus's token, allocation-free.
        CancellationTokenSource? linked = envelope.Reply is { } reply
            ? CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, reply.Abandoned)
            : null;
        ConsumeContext context = started?.Context ?? new ConsumeContext(_delivery!, envelope, delivery.Handler, endpoint.Name, linked?.Token ?? _abort.Token);
        using Activity? activity = StartHandleActivity(envelope, delivery.Handler, endpoint.Name);
        long startedAt = ContractsTelemetry.HandlerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        var tags = new TagList
        {
            ContractsTelemetry.ContractTag(envelope.Contract),
            ContractsTelemetry.EndpointTag(endpoint.Name),
        };
        try
        {
            if (envelope.Reply is not null)
            {
                await _pipeline(context).ConfigureAwait(false);
                ContractsTelemetry.Handled.Add(1, tags);
            }
            else
            {
                Outcome outcome = await ConsumeAsync(context, endpoint, delivery, started?.Attempt).ConfigureAwait(false);
                settled = outcome != Outcome.Abandoned;
                switch (outcome)
                {
                    case Outcome.Handled:
                        ContractsTelemetry.Handled.Add(1, tags);
                        break;
                    case Outcome.DeadLettered:
                        ContractsTelemetry.Failed.Add(1, tags);
                        activity?.SetStatus(ActivityStatusCode.Error);
                        break;
                }
            }
        }
        catch (Exception ex)
        {
            // The pipeline's last resort: the failure is logged, counted and returned to a waiting query caller.
            ContractsTelemetry.Failed.Add(1, tags);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            if (ex is UnreadableMessageException)
            {
                Log.Unreadable(_logger, ex, envelope.MessageId, endpoint.Name, envelope.Contract.Name, ex.Message);
            }
            else
            {
                Log.HandlerFailed(_logger, ex, delivery.Handler.HandlerName, envelope.Contract.Name, envelope.MessageId, context.Attempt, endpoint.Name);
            }

            // A command or event that failed outside its handler (the store or broker under a retry) is not settled:
            // on a broker it stays queued. A query is settled by the failure it returns.
            settled = envelope.Reply is not null;
            envelope.Reply?.TrySetException(ex);
        }
        finally
        {
            if (startedAt != 0)
            {
                ContractsTelemetry.HandlerDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, tags);
            }

            try
            {
                await context.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A scoped service that throws on dispose must not end the endpoint's worker or stall the drain.
                Log.ScopeDisposeFailed(_logger, ex, delivery.Handler.HandlerName, envelope.Contract.Name, envelope.MessageId, endpoint.Name);
            }
            finally
            {
                linked?.Dispose();
                Completed();
            }
        }

        return settled;
    }

    private enum Outcome
    {
        Handled,
        Duplicate,
        Rescheduled,
        DeadLettered,
        Abandoned,
    }

    /// <summary>
    /// One delivery of a command or event. On an effectively-once endpoint, deliveries of one inbox key run one at a
    /// time in this process: a copy that arrives while another is being handled (concurrent workers, a redelivery
    /// racing the original) waits for it, and then meets the inbox like any later copy.
    /// </summary>
    private ValueTask<Outcome> ConsumeAsync(ConsumeContext context, InMemoryEndpoint endpoint, Delivery delivery, ValueTask? started) =>
        endpoint.Options.Delivery == DeliveryMode.EffectivelyOnce
            ? ConsumeOneKeyAtATimeAsync(context, endpoint, delivery)
            : ConsumeOnceAsync(context, endpoint, delivery, inboxKey: null, started);

    private async ValueTask<Outcome> ConsumeOneKeyAtATimeAsync(ConsumeContext context, InMemoryEndpoint endpoint, Delivery delivery)
    {
        Envelope envelope = context.Envelope;
        string inboxKey = envelope.IdempotencyKey ?? envelope.MessageId.ToString("N");
        (string, string) claim = (endpoint.Name, inboxKey);
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_handling.TryAdd(claim, mine))
        {
            if (_handling.TryGetValue(claim, out TaskCompletionSource? other))
            {
                try
                {
                    await other.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_abort.IsCancellationRequested)
                {
                    Log.NotHandled(_logger, endpoint.Name, envelope.MessageId, envelope.Contract.Name);
                    return Outcome.Abandoned;
                }
            }
        }

        try
        {
            return await ConsumeOnceAsync(context, endpoint, delivery, inboxKey).ConfigureAwait(false);
        }
        finally
        {
            _handling.TryRemove(new KeyValuePair<(string, string), TaskCompletionSource>(claim, mine));
            mine.TrySetResult();
        }
    }

    /// <summary>
    /// The inbox, the attempts the endpoint's retry policy allows, and then success (the record removed), a delayed
    /// retry (the record rescheduled) or dead letters. <paramref name="started"/> is the first attempt, when the fast path
    /// of <see cref="ProcessAsync"/> has already started it.
    /// </summary>
    private async ValueTask<Outcome> ConsumeOnceAsync(ConsumeContext context, InMemoryEndpoint endpoint, Delivery delivery, string? inboxKey, ValueTask? started = null)
    {
        Envelope envelope = context.Envelope;
        EndpointOptions options = endpoint.Options;
        MessageRecord? record = delivery.Record;
        CancellationToken token = context.CancellationToken;

        if (options.Delivery == DeliveryMode.AtMostOnce && record is not null)
        {
            // At most once: the message is gone before the handler runs, so a crash cannot deliver it twice.
            await _store.CompleteAsync(endpoint.Name, record, null, token).ConfigureAwait(false);
            record = null;
        }

        DateTimeOffset? firstFailure = record?.FirstFailedAt;
        RetryPolicy policy = options.Retry;
        int perRound = options.Delivery == DeliveryMode.AtMostOnce ? 1 : policy.ImmediateRetries + 1;
        while (true)
        {
            context.AfterCommit?.Clear(); // what a failed attempt sent was rolled back with it
            context.WroteOutbox = false;
            IConsumeTransaction? transaction = inboxKey is null ? null : await _store.BeginConsumeAsync(token).ConfigureAwait(false);
            try
            {
                if (inboxKey is not null &&
                    (transaction is null
                        ? await _store.IsInInboxAsync(endpoint.Name, inboxKey, token).ConfigureAwait(false)
                        : await transaction.IsInInboxAsync(endpoint.Name, inboxKey, token).ConfigureAwait(false)))
                {
                    Log.Duplicate(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, inboxKey);
                    if (transaction is not null)
                    {
                        await transaction.CommitAsync(endpoint.Name, record, null, token).ConfigureAwait(false);
                    }
                    else if (record is not null)
                    {
                        await _store.CompleteAsync(endpoint.Name, record, null, token).ConfigureAwait(false);
                    }

                    return Outcome.Duplicate;
                }

                context.Transaction = transaction;
                ValueTask attempt = started ?? _pipeline(context);
                started = null;
                await attempt.ConfigureAwait(false);
                if (transaction is not null)
                {
                    try
                    {
                        await transaction.CommitAsync(endpoint.Name, record, inboxKey, token).ConfigureAwait(false);
                    }
                    catch (DuplicateMessageException)
                    {
                        // Another delivery of the same key committed while this one ran: its work is rolled back.
                        Log.Duplicate(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, inboxKey!);
                        if (record is not null)
                        {
                            await _store.CompleteAsync(endpoint.Name, record, null, token).ConfigureAwait(false);
                        }

                        return Outcome.Duplicate;
                    }

                    await DispatchAfterCommitAsync(context).ConfigureAwait(false);
                    if (context.WroteOutbox)
                    {
                        WakeRelay();
                    }
                }
                else if (inboxKey is not null)
                {
                    await _store.CompleteAsync(endpoint.Name, record, inboxKey, token).ConfigureAwait(false);
                }
                else if (record is not null)
                {
                    // At least once: the removal need not be waited for. It joins the next group commit, and a crash
                    // before it only delivers the message again. The store commits what is pending before it closes.
                    CompleteInBackground(endpoint.Name, record);
                }

                return Outcome.Handled;
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                // Stopped without time to finish: a durable message stays queued for the next start.
                Log.NotHandled(_logger, endpoint.Name, envelope.MessageId, envelope.Contract.Name);
                return Outcome.Abandoned;
            }
            catch (Exception ex)
            {
                if (transaction is not null)
                {
                    await DisposeQuietlyAsync(transaction).ConfigureAwait(false);
                    transaction = null;
                }

                DateTimeOffset now = _time.GetUtcNow();
                firstFailure ??= now;
                if (ex is UnreadableMessageException)
                {
                    Log.Unreadable(_logger, ex, envelope.MessageId, endpoint.Name, envelope.Contract.Name, ex.Message);
                    await DeadLetterAsync(endpoint, envelope, record, DeadLetterReason.Unreadable, ex, attempts: 0, firstFailure.Value, now, token).ConfigureAwait(false);
                    return Outcome.DeadLettered;
                }

                Log.HandlerFailed(_logger, ex, context.Handler.HandlerName, envelope.Contract.Name, envelope.MessageId, context.Attempt, endpoint.Name);
                bool retryable = options.Delivery != DeliveryMode.AtMostOnce && policy.IsRetryable(ex);
                int round = (context.Attempt - 1) / perRound;
                if (retryable && (context.Attempt - 1) % perRound < perRound - 1)
                {
                    ContractsTelemetry.Retried.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
                    await context.BeginAttempt().ConfigureAwait(false);
                    continue;
                }

                if (retryable && round < policy.DelayedRetries)
                {
                    await RescheduleAsync(endpoint, delivery, record, policy.DelayFor(round, Random.Shared.NextDouble()), ((round + 1) * perRound) + 1, firstFailure.Value, ex, token).ConfigureAwait(false);
                    return Outcome.Rescheduled;
                }

                await DeadLetterAsync(endpoint, envelope, record, DeadLetterReason.Failed, ex, context.Attempt, firstFailure.Value, now, token).ConfigureAwait(false);
                return Outcome.DeadLettered;
            }
            finally
            {
                context.Transaction = null;
                if (transaction is not null)
                {
                    await DisposeQuietlyAsync(transaction).ConfigureAwait(false);
                }
            }
        }
    }

    private void CompleteInBackground(string endpoint, MessageRecord record)
    {
        ValueTask completion = _store.CompleteAsync(endpoint, record, null, CancellationToken.None);
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

    private async ValueTask DisposeQuietlyAsync(IConsumeTransaction transaction)
    {
        try
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.StoreFailed(_logger, ex, "rolling back a consume transaction");
        }
    }

    private async ValueTask RescheduleAsync(
        InMemoryEndpoint endpoint, Delivery delivery, MessageRecord? record, TimeSpan delay, int attempt, DateTimeOffset firstFailure, Exception error, CancellationToken cancellationToken)
    {
        DateTimeOffset due = _time.GetUtcNow() + delay;
        Envelope retry = delivery.Envelope.ForAttempt(attempt, due);
        if (record is not null)
        {
            record.Attempt = attempt;
            record.DueAt = due;
            record.FirstFailedAt = firstFailure;
            record.LastError = $"{error.GetType().FullName}: {error.Message}";
            await _store.RescheduleAsync(record, cancellationToken).ConfigureAwait(false);
        }

        Log.RetryScheduled(_logger, retry.MessageId, retry.Contract.Name, endpoint.Name, attempt, delay);
        ContractsTelemetry.Retried.Add(1, ContractsTelemetry.ContractTag(retry.Contract));
        if (_broker is not null)
        {
            await _broker.SendToEndpointAsync(endpoint.Name, retry, cancellationToken).ConfigureAwait(false);
            return;
        }

        await EnqueueDeliveryAsync(new Delivery(retry, delivery.Handler, record), endpoint, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask DeadLetterAsync(
        InMemoryEndpoint endpoint, Envelope envelope, MessageRecord? record, DeadLetterReason reason, Exception error, int attempts,
        DateTimeOffset firstFailure, DateTimeOffset lastFailure, CancellationToken cancellationToken)
    {
        MessageRecord message = record ?? MessageRecord.FromEnvelope(envelope, endpoint.Name, PayloadOf(envelope));
        var letter = new DeadLetter
        {
            Message = message,
            Reason = reason,
            ExceptionType = error.GetType().FullName ?? error.GetType().Name,
            ExceptionMessage = error.Message,
            StackTrace = error.ToString(),
            Attempts = attempts,
            FirstFailedAt = firstFailure,
            LastFailedAt = lastFailure,
        };
        if (_broker is not null)
        {
            await _broker.DeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _store.DeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
        }

        ContractsTelemetry.DeadLettered.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
        Log.DeadLettered(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, reason, attempts, letter.Id);
    }

    private static ReadOnlyMemory<byte> PayloadOf(Envelope envelope)
    {
        if (!envelope.Payload.IsEmpty || envelope.Message is null)
        {
            return envelope.Payload;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        envelope.Contract.Serialize(buffer, envelope.Message);
        return buffer.WrittenMemory;
    }

    /// <summary>A stored record as an envelope, or <see langword="null"/> when its contract is not in the catalog.</summary>
    private Envelope? ToEnvelope(MessageRecord record) =>
        _catalog.TryFind(record.ContractName, record.ContractVersion, out ContractDescriptor? contract) ? record.ToEnvelope(contract) : null;

    private ValueTask DeadLetterUnknownAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        var error = new UnreadableMessageException(
            $"Contract '{record.ContractName}' version {record.ContractVersion} is not in this process's catalog: no compiled contract has that name and version.");
        Log.UnknownContract(_logger, record.MessageId, record.ContractName, record.ContractVersion, record.Endpoint);
        return _store.DeadLetterAsync(
            new DeadLetter
            {
                Message = record,
                Reason = DeadLetterReason.UnknownContract,
                ExceptionType = error.GetType().FullName!,
                ExceptionMessage = error.Message,
                StackTrace = error.ToString(),
                FirstFailedAt = now,
                LastFailedAt = now,
            },
            cancellationToken);
    }

    /// <summary>Delivers again what was queued when the process last stopped or crashed, in the order it was stored.</summary>
    private async Task RecoverAsync(long upTo, CancellationToken cancellationToken)
    {
        long after = 0;
        int recovered = 0;
        try
        {
            while (true)
            {
                IReadOnlyList<MessageRecord> page = await _store.ReadQueuedAsync(after, upTo, 256, cancellationToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    break;
                }

                foreach (MessageRecord record in page)
                {
                    after = record.Sequence;
                    if (!_byEndpoint.TryGetValue(record.Endpoint, out Subscription? subscription))
                    {
                        // Possibly another application's endpoint in a shared file: leave it alone.
                        Log.UnknownStoredEndpoint(_logger, record.MessageId, record.Endpoint);
                        continue;
                    }

                    if (ToEnvelope(record) is not { } envelope)
                    {
                        await DeadLetterUnknownAsync(record, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await EnqueueDeliveryAsync(new Delivery(envelope, subscription.Handler, record), subscription.Endpoint, cancellationToken).ConfigureAwait(false);
                    recovered++;
                }
            }

            Log.Recovered(_logger, recovered);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException && cancellationToken.IsCancellationRequested)
        {
            // Stopping: what was not queued stays in the store.
        }
        catch (Exception ex)
        {
            Log.StoreFailed(_logger, ex, "recovering queued messages");
        }
    }

    /// <summary>Sends one outbox record; one that cannot be routed (unknown contract, no handler or queue) goes to dead letters.</summary>
    private async ValueTask RelayOneAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        if (ToEnvelope(record) is not { } envelope)
        {
            await DeadLetterUnknownAsync(record.CopyFor(record.Endpoint), cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await EnqueueAsync(envelope, Route(envelope.Contract), cancellationToken).ConfigureAwait(false);
        }
        catch (NoHandlerException ex)
        {
            DateTimeOffset now = _time.GetUtcNow();
            await _store.DeadLetterAsync(
                new DeadLetter { Message = record.CopyFor(record.Endpoint), Reason = DeadLetterReason.Failed, ExceptionType = ex.GetType().FullName!, ExceptionMessage = ex.Message, StackTrace = ex.ToString(), FirstFailedAt = now, LastFailedAt = now },
                cancellationToken).ConfigureAwait(false);
        }
    }

    private void WakeRelay()
    {
        try
        {
            _relayWake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Woken already: the relay reads everything committed so far.
        }
    }

    /// <summary>Delivers committed outbox records, then marks them relayed. A crash between the two delivers again; inboxes drop the copy.</summary>
    private async Task RelayAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                IReadOnlyList<MessageRecord> batch = await _store.ReadOutboxAsync(256, cancellationToken).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    await _relayWake.WaitAsync(_options.OutboxPollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var relayed = new List<MessageRecord>(batch.Count);
                try
                {
                    foreach (MessageRecord record in batch)
                    {
                        await RelayOneAsync(record, cancellationToken).ConfigureAwait(false);
                        relayed.Add(record);
                    }
                }
                finally
                {
                    // What went out is marked even when a later record fails, so a retry of the batch does not send it twice.
                    if (relayed.Count > 0)
                    {
                        await _store.MarkRelayedAsync(relayed, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.StoreFailed(_logger, ex, "relaying the outbox");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Removes expired inbox keys and relayed outbox records, now and every <see cref="ContractsOptions.CleanUpInterval"/>.</summary>
    private async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                int removed = await _store.CleanUpAsync(_time.GetUtcNow() - _options.InboxRetention, cancellationToken).ConfigureAwait(false);
                if (removed > 0)
                {
                    Log.CleanedUp(_logger, removed, _options.InboxRetention);
                }

                await Task.Delay(_options.CleanUpInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.StoreFailed(_logger, ex, "cleaning up the inbox");
                try
                {
                    await Task.Delay(_options.CleanUpInterval, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Sends dead letter <paramref name="id"/> again to its endpoint as attempt 1.</summary>
    public async ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken)
    {
        DeadLetter? letter = await _store.FindDeadLetterAsync(id, cancellationToken).ConfigureAwait(false);
        if (letter is null)
        {
            return false;
        }

        MessageRecord message = letter.Message;
        if (_broker is not null)
        {
            throw new NotSupportedException(
                $"Dead letter {id} is in the store, and this bus runs on a broker, whose endpoints the store does not feed. " +
                "On a broker, failed messages are in each endpoint's error queue ('<endpoint>.error'); the store keeps only outbox records that could not be routed. " +
                "Fix the cause (deploy the handler) and send the message again, or purge the letter.");
        }

        if (!_byEndpoint.TryGetValue(message.Endpoint, out Subscription? subscription))
        {
            throw new InvalidOperationException(
                $"Dead letter {id} belongs to endpoint '{message.Endpoint}', which does not exist in this process. Replay it where that endpoint's handler runs, or purge it.");
        }

        MessageRecord requeued = message.CopyFor(message.Endpoint);
        requeued.Attempt = 1;
        requeued.DueAt = null;
        requeued.FirstFailedAt = null;
        requeued.LastError = null;
        if (ToEnvelope(requeued) is not { } envelope)
        {
            throw new InvalidOperationException(
                $"Dead letter {id} is a '{message.ContractName}' version {message.ContractVersion}, which this process does not know. Deploy the contract first, or purge it.");
        }

        if (!await _store.ReplayDeadLetterAsync(id, requeued, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await EnqueueDeliveryAsync(new Delivery(envelope, subscription.Handler, _durable ? requeued : null), subscription.Endpoint, cancellationToken).ConfigureAwait(false);
        Log.Replayed(_logger, id, message.MessageId, message.Endpoint);
        return true;
    }

    private async Task StartBrokerAsync(IMessageTransport broker, CancellationToken cancellationToken)
    {
        foreach (TransportEndpoint endpoint in _brokerEndpoints)
        {
            if (endpoint.Contract.Kind == MessageKind.Query && endpoint.Contract.ResultFormatter is null)
            {
                throw new InvalidOperationException(
                    $"Query '{endpoint.Contract}' is handled here, but its result type {endpoint.Contract.ResultTypeName} has no generated formatter, " +
                    "so its reply cannot travel through the broker. Return a type the generator can serialize (a record of supported members, a scalar, a collection of them).");
            }
        }

        await broker.StartAsync(new TransportContext(_catalog, _brokerEndpoints, this, _options.MaxPayloadBytes), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops a broker's consumers: deliveries being handled get <see cref="ContractsOptions.ShutdownTimeout"/> to finish
    /// (and be acknowledged); after that their handlers are cancelled, and what they had not finished is delivered again.
    /// </summary>
    private async Task StopBrokerAsync(IMessageTransport broker, CancellationToken cancellationToken)
    {
        TimeSpan timeout = _options.ShutdownTimeout;
        Log.Stopping(_logger, Interlocked.Read(ref _pending), timeout);
        using var grace = new CancellationTokenSource(timeout, _time);
        using CancellationTokenRegistration cancelHandlers = grace.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _abort);
        try
        {
            await broker.StopConsumingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.HandlersAbandoned(_logger, Interlocked.Read(ref _pending));
        }

        _state = Stopped;
        foreach ((Guid _, (ContractDescriptor contract, QueryReply reply)) in _waitingQueries)
        {
            reply.TrySetException(new OperationCanceledException($"The bus stopped before the reply to '{contract}' arrived."));
        }

        Log.Stopped(_logger);
    }

    /// <summary>Sends a query through the broker and registers its caller for the reply, which <see cref="ITransportReceiver.ReceiveReply"/> completes.</summary>
    public async ValueTask SendQueryAsync(IMessageTransport broker, Envelope envelope, QueryReply reply, CancellationToken cancellationToken)
    {
        if (envelope.Contract.ResultFormatter is null)
        {
            throw new InvalidOperationException(
                $"The result type {envelope.Contract.ResultTypeName} of query '{envelope.Contract}' has no generated formatter, so its reply cannot travel through the broker.");
        }

        envelope.ReplyTo = broker.ReplyAddress;
        _waitingQueries[envelope.MessageId] = (envelope.Contract, reply);
        try
        {
            await broker.SendAsync(envelope, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _waitingQueries.TryRemove(envelope.MessageId, out _);
            throw;
        }
    }

    /// <summary>Forgets a query whose caller stopped waiting; a late reply is then dropped.</summary>
    public void ForgetQuery(Guid queryId) => _waitingQueries.TryRemove(queryId, out _);

    void ITransportReceiver.ReceiveReply(Guid queryId, QueryResponse reply)
    {
        if (!_waitingQueries.TryRemove(queryId, out (ContractDescriptor Contract, QueryReply Reply) waiting))
        {
            Log.LateReply(_logger, queryId);
            return;
        }

        waiting.Reply.Complete(waiting.Contract, reply);
    }

    async ValueTask ITransportReceiver.ReceiveAsync(TransportEndpoint endpoint, Envelope envelope, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _state) != Running || !_byEndpoint.TryGetValue(endpoint.Name, out Subscription? subscription))
        {
            throw new InvalidOperationException($"Endpoint '{endpoint.Name}' is not consuming here (the bus is stopping): the delivery stays queued.");
        }

        RemoteQueryReply? reply = null;
        if (envelope.Contract.Kind == MessageKind.Query && envelope.ReplyTo is not null)
        {
            envelope.Reply = reply = new RemoteQueryReply();
        }

        Interlocked.Increment(ref _pending);
        if (!await ProcessAsync(subscription.Endpoint, new Delivery(envelope, subscription.Handler, null)).ConfigureAwait(false))
        {
            throw new OperationCanceledException($"'{envelope.Contract}' {envelope.MessageId} was not handled before the bus stopped: it stays queued.");
        }

        if (reply is not null)
        {
            await _broker!.ReplyAsync(envelope, reply.ToResponse(envelope.Contract), cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask InvokeHandlerAsync(ConsumeContext context)
    {
        object message = context.Message ??= ReadMessage(context.Envelope);
        return context.Handler.InvokeAsync(context.MessageContext, message, context.CancellationToken);
    }

    private object ReadMessage(Envelope envelope)
    {
        if (envelope.Message is { } message)
        {
            return message;
        }

        ReadOnlyMemory<byte> payload = envelope.Payload;
        if (payload.Length > _options.MaxPayloadBytes)
        {
            throw new UnreadableMessageException(
                $"The payload is {payload.Length} bytes, over the limit of {_options.MaxPayloadBytes} (ContractsOptions.MaxPayloadBytes).");
        }

        try
        {
            return envelope.Contract.Deserialize(payload);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new UnreadableMessageException($"The payload is not a valid '{envelope.Contract}': {ex.Message}", ex);
        }
    }

    private static Activity? StartHandleActivity(Envelope envelope, HandlerDescriptor handler, string endpoint)
    {
        if (!ContractsTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(envelope.TraceParent, envelope.TraceState, isRemote: true, out ActivityContext parent);
        Activity? activity = ContractsTelemetry.ActivitySource.StartActivity("handle", ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.DisplayName = $"handle {envelope.Contract.Name}";
            activity.SetTag("messaging.system", "contracts");
            activity.SetTag("messaging.destination.name", endpoint);
            activity.SetTag("messaging.message.id", envelope.MessageId);
            activity.SetTag("messaging.message.conversation_id", envelope.CorrelationId);
            activity.SetTag("contracts.handler", handler.HandlerName);
        }

        return activity;
    }

    /// <summary>
    /// Synchronous disposal (a service provider disposed with <c>Dispose</c>) cannot wait for a drain without
    /// blocking a thread, so it stops at once: in-flight handlers are cancelled and queued messages are not handled.
    /// Stop the host, or dispose asynchronously, to drain.
    /// </summary>
    public void Dispose()
    {
        int previous = Interlocked.Exchange(ref _state, Stopped);
        if (previous is Running or Stopping)
        {
            foreach (InMemoryEndpoint endpoint in _endpoints)
            {
                endpoint.Complete();
            }

            // Not disposed: workers still finishing read the token, and a source without a timer holds nothing.
            _backgroundStop.Cancel();
            _abort.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _state) == Running)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }

        _abort.Dispose();
    }
}
