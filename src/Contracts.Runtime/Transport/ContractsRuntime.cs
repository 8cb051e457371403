using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Modules;
using Contracts.Pipeline;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport;

/// <summary>
/// Routes envelopes to endpoints and runs their consumers. Routing is an array indexed by the contract's
/// dense index: one endpoint for a command or query, one per subscribing handler for an event.
/// </summary>
internal sealed class ContractsRuntime : IAsyncDisposable, IDisposable
{
    private const int Created = 0, Running = 1, Stopping = 2, Stopped = 3;

    private readonly ContractsOptions _options;
    private readonly InMemoryTransportOptions _transport;
    private readonly ILogger _logger;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly Subscription[]?[] _routes;
    private readonly InMemoryEndpoint[] _endpoints;
    private readonly ConsumeDelegate _pipeline;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ContractCatalog _catalog;
    private readonly int _handlerCount;
    private MessageBus? _bus;
    private long _pending;
    private long _scheduled;
    private int _state;

    public ContractsRuntime(
        ContractsOptions options,
        ContractCatalog catalog,
        IReadOnlyList<HandlerDescriptor> handlers,
        IEnumerable<IConsumeMiddleware> middlewares,
        IServiceScopeFactory scopes,
        ILogger<ContractsRuntime> logger,
        TimeProvider? time = null)
    {
        _options = options;
        _transport = options.InMemory ?? new InMemoryTransportOptions();
        _catalog = catalog;
        _handlerCount = handlers.Count;
        _scopes = scopes;
        _logger = logger;
        _time = time ?? TimeProvider.System;

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
            }

            _routes[contract.Index] = route;
        }

        _endpoints = [.. endpoints];
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

    public bool SerializeMessages => _transport.SerializeMessages;

    public ContractsOptions Options => _options;

    public TimeProvider Time => _time;

    /// <summary>Set once by the bus: the context of every delivery sends through it.</summary>
    internal MessageBus Bus { set => _bus = value; }

    public static string EndpointName(ContractDescriptor contract) =>
        contract.Version == 1 ? contract.Name : $"{contract.Name}.v{contract.Version}";

    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, Running, Created) != Created)
        {
            return;
        }

        foreach (InMemoryEndpoint endpoint in _endpoints)
        {
            endpoint.Start(ProcessAsync);
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

        if (!drained || Interlocked.Read(ref _scheduled) > 0)
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

        long lost = Interlocked.Read(ref _scheduled);
        if (lost > 0)
        {
            Log.DelayedLost(_logger, lost);
        }

        Log.Stopped(_logger);
    }

    /// <summary>The subscriptions of <paramref name="contract"/>: empty for an event without subscribers.</summary>
    public ReadOnlySpan<Subscription> Route(ContractDescriptor contract)
    {
        Subscription[]?[] routes = _routes;
        if ((uint)contract.Index < (uint)routes.Length && routes[contract.Index] is { } route)
        {
            return route;
        }

        if (contract.Kind != MessageKind.Event)
        {
            throw new NoHandlerException(contract);
        }

        return [];
    }

    /// <summary>Queues <paramref name="envelope"/> for <paramref name="subscription"/>, or schedules it when it is delayed.</summary>
    public ValueTask EnqueueAsync(Envelope envelope, Subscription subscription, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _state) >= Stopped)
        {
            return ValueTask.FromException(StoppedError(envelope));
        }

        InMemoryEndpoint endpoint = subscription.Endpoint;
        var delivery = new Delivery(envelope, subscription.Handler);
        if (envelope.DeliverAt is { } due && due > _time.GetUtcNow())
        {
            Interlocked.Increment(ref _scheduled);
            _ = DeliverLaterAsync(endpoint, delivery, due);
            return ValueTask.CompletedTask;
        }

        Interlocked.Increment(ref _pending);
        ValueTask write = endpoint.WriteAsync(delivery, cancellationToken);
        if (write.IsCompletedSuccessfully)
        {
            ContractsTelemetry.Sent.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
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
            return; // counted as lost in StopAsync
        }

        Interlocked.Decrement(ref _scheduled);
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

    private async ValueTask ProcessAsync(InMemoryEndpoint endpoint, Delivery delivery)
    {
        Envelope envelope = delivery.Envelope;
        if (_abort.IsCancellationRequested)
        {
            // Shutdown ran out of time: calling a handler with a cancelled token only wastes the time left.
            Log.NotHandled(_logger, endpoint.Name, envelope.MessageId, envelope.Contract.Name);
            envelope.Reply?.TrySetException(new OperationCanceledException($"The bus stopped before '{envelope.Contract}' {envelope.MessageId} was handled."));
            Completed();
            return;
        }

        // A query's handler also stops when its caller gives up; other deliveries share the bus's token, allocation-free.
        CancellationTokenSource? linked = envelope.Reply is { } reply
            ? CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, reply.Abandoned)
            : null;
        var context = new ConsumeContext(_bus!, _scopes, envelope, delivery.Handler, endpoint.Name, linked?.Token ?? _abort.Token);
        using Activity? activity = StartHandleActivity(envelope, delivery.Handler, endpoint.Name);
        long started = Stopwatch.GetTimestamp();
        var tags = new TagList
        {
            ContractsTelemetry.ContractTag(envelope.Contract),
            ContractsTelemetry.EndpointTag(endpoint.Name),
        };
        try
        {
            await _pipeline(context).ConfigureAwait(false);
            ContractsTelemetry.Handled.Add(1, tags);
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

            envelope.Reply?.TrySetException(ex);
        }
        finally
        {
            ContractsTelemetry.HandlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
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
            _abort.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _state) == Running)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _abort.Dispose();
    }
}
