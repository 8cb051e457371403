using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Durability;
using Contracts.Modules;
using Contracts.Pipeline;
using Contracts.Queries;
using Contracts.Routing;
using Contracts.Scheduling;
using Contracts.Storage;
using Contracts.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Contracts;

/// <summary>
/// Composes the bus from its parts and runs their life: the route table of this process's handlers, the transport
/// (in memory or a broker), the consume pipeline the transport hands deliveries to, query correlation, and the
/// store's background work (outbox relay, clean-up). It names no transport or store: it asks their capabilities.
/// </summary>
internal sealed partial class ContractsRuntime : IAsyncDisposable, IDisposable
{
    private readonly ContractsOptions _options;
    private readonly ContractCatalog _catalog;
    private readonly int _handlerCount;
    private readonly IMessageStore _store;
    private readonly TaskCompletionSource _storeReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StoreClaims _claims;
    private readonly StoreScheduler _scheduler;
    private readonly bool _durableStore;
    private readonly bool _nativeDelay;
    private readonly ITransport _transport;
    private readonly BusLifetime _lifetime = new();
    private readonly ConsumePipeline _pipeline;
    private readonly OutboxRelay _relay;
    private readonly Housekeeping _housekeeping;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _backgroundStop = new();
    private readonly CancellationTokenSource _renewalStop = new();
    private Task _renewal = Task.CompletedTask;
    private readonly List<Task> _background = [];

    public ContractsRuntime(
        ContractsOptions options,
        ContractCatalog catalog,
        IReadOnlyList<HandlerDescriptor> handlers,
        IEnumerable<IConsumeMiddleware> middlewares,
        IServiceProvider services,
        ILogger<ContractsRuntime> logger,
        TimeProvider? time = null,
        IMessageStore? store = null,
        ServiceLifetimes? lifetimes = null)
    {
        options.Validate();
        _options = options;
        _catalog = catalog;
        _handlerCount = handlers.Count;
        _logger = logger;
        Time = time ?? TimeProvider.System;
        _store = store ?? new InMemoryMessageStore(options.MaxInMemoryDeadLetters, Time);
        _durableStore = (_store.Capabilities & StoreCapabilities.Durable) != 0;
        _claims = new StoreClaims(_store, options.ClaimDuration, Time, logger);
        Routes = new RouteTable(catalog, handlers, options.TransportSettings, logger);
        _transport = options.TransportFactory(new TransportServices(services, _store, _storeReady.Task, _claims, Time, logger));
        MessagingSystem = _transport.MessagingSystem;
        TransportCapabilities capabilities = _transport.Capabilities;
        InProcess = (capabilities & TransportCapabilities.InProcess) != 0;
        StoresPayload = (capabilities & TransportCapabilities.Durable) != 0;
        SerializeMessages = !InProcess || options.TransportSettings.Serializes;
        _nativeDelay = (capabilities & TransportCapabilities.NativeDelay) != 0;
        DeadLetters = (capabilities & TransportCapabilities.NativeDeadLetters) != 0
            ? _transport.DeadLetters
            : new StoreDeadLetters(_store, _transport, Routes, catalog, logger);
        _scheduler = new StoreScheduler(_store, _claims, _transport, Routes, catalog, Time, logger);
        Queries = new QueryCoordinator(_transport, logger);
        Bus = new MessageBus(this);
        _relay = new OutboxRelay(_store, _claims, catalog, ForwardAsync, DeadLetters, options, Time, logger);
        _housekeeping = new Housekeeping(_store, options, Time, logger);
        ScheduleRunner = new ScheduleRunner(this, options.Schedules, logger);
        Scheduler = new MessageScheduler(this, ScheduleRunner, options.Schedules);
        var delivery = new DeliveryServices(Bus, services.GetRequiredService<IServiceScopeFactory>(), services, lifetimes);
        CancelledTimeouts = new Sagas.CancelledTimeouts(Time);
        _pipeline = new ConsumePipeline(options, catalog, _store, _transport, _nativeDelay ? null : _scheduler, Queries, delivery, middlewares, _lifetime, _relay.Wake, Time, logger)
        {
            CancelledTimeouts = CancelledTimeouts,
        };
    }

    public MessageBus Bus { get; }

    /// <summary>Timeouts of sagas that ended here while the timeout waited in a timer: dropped when they come.</summary>
    internal Sagas.CancelledTimeouts CancelledTimeouts { get; }

    /// <summary>The contracts of this process (a saga's stored compensations are found here by name).</summary>
    internal ContractCatalog Catalog => _catalog;

    /// <summary>The consume pipeline: inline queries run through it on their caller's thread.</summary>
    internal ConsumePipeline Pipeline => _pipeline;

    /// <summary>
    /// Whether a query whose handler is here may run inline on its caller's thread: the transport is in process and
    /// messages travel as objects (with serialization forced on, a query takes its endpoint's queue, bytes and all).
    /// </summary>
    public bool InlineQueries => InProcess && !SerializeMessages;

    /// <summary>Whether this bus claims stored rows: its durable queues and outbox, or the delays it keeps for the transport.</summary>
    private bool UsesClaims => _durableStore || !_nativeDelay;

    public IDeadLetterQueue DeadLetters { get; }

    public RouteTable Routes { get; }

    public QueryCoordinator Queries { get; }

    public ITransport Transport => _transport;

    /// <summary>The bus's store: the configured one, or the in-memory one made for it.</summary>
    public IMessageStore Store => _store;

    /// <summary>Where the bus is in its life (a <see cref="BusLifetime"/> constant).</summary>
    public int State => _lifetime.State;

    public ContractsOptions Options => _options;

    public TimeProvider Time { get; }

    /// <summary>Whether envelopes reach handlers as objects in this process (queries complete their caller directly).</summary>
    public bool InProcess { get; }

    /// <summary>Whether every message travels as bytes through its generated formatter.</summary>
    public bool SerializeMessages { get; }

    /// <summary>Whether the transport keeps messages across restarts, so an in-process message needs its bytes too.</summary>
    public bool StoresPayload { get; }

    /// <summary>
    /// Whether a command's envelope comes from <see cref="Transport.InMemory.EnvelopePool"/>: in process, carried as
    /// the object, never stored (the in-memory transport returns it once handled).
    /// </summary>
    public bool RecyclesEnvelopes => InProcess && !SerializeMessages && !StoresPayload;

    /// <summary>Hands <paramref name="envelope"/> to the transport; inside a consume transaction it goes to the outbox in that transaction instead.</summary>
    public ValueTask SendAsync(Envelope envelope, ConsumeContext? within, CancellationToken cancellationToken)
    {
        if (!TakesMessages)
        {
            return ValueTask.FromException(NotRunning(envelope.Contract, $" {envelope.MessageId}"));
        }

        if (within?.Transaction is { } transaction && envelope.Reply is null)
        {
            // Published only if the handler's work commits, by the relay, which the commit wakes.
            within.WroteOutbox = true;
            return transaction.WriteOutboxAsync(MessageRecord.FromEnvelope(envelope, endpoint: "", envelope.Payload), cancellationToken);
        }

        // Read before the envelope is queued: a command's envelope may be handled and reused by another send before this returns.
        ContractDescriptor contract = envelope.Contract;
        ValueTask send = ForwardAsync(envelope, cancellationToken);
        if (!send.IsCompletedSuccessfully)
        {
            return CountWhenSentAsync(send, contract);
        }

        if (ContractsTelemetry.Sent.Enabled)
        {
            CountSent(contract);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The OpenTelemetry <c>messaging.system</c> of this bus's transport.</summary>
    internal string MessagingSystem { get; }

    /// <summary>Counts <paramref name="envelope"/> as sent when someone measures: an inline query is sent without a transport.</summary>
    internal void CountSentIfMeasured(Envelope envelope)
    {
        if (ContractsTelemetry.Sent.Enabled)
        {
            CountSent(envelope.Contract);
        }
    }

    /// <summary><c>messaging.client.sent.messages</c>, with the convention's attributes.</summary>
    private void CountSent(ContractDescriptor contract) =>
        ContractsTelemetry.Sent.Add(
            1,
            ContractsTelemetry.SystemTag(MessagingSystem),
            ContractsTelemetry.OperationTag(ContractsTelemetry.SendOperation(contract)),
            ContractsTelemetry.DestinationTag(contract));

    /// <summary>
    /// Throws when the bus is not started, so a query fails at once instead of waiting out its timeout; cheap (one
    /// field read) because every query passes here.
    /// </summary>
    public void ThrowIfNotRunning(Envelope envelope)
    {
        if (!TakesMessages)
        {
            throw NotRunning(envelope.Contract, $" {envelope.MessageId}");
        }
    }

    /// <summary>Whether the bus takes messages: started, or stopping (handlers' sends while it drains).</summary>
    public bool TakesMessages => _lifetime.State is BusLifetime.Running or BusLifetime.Stopping;

    /// <summary>The exception for a message the bus does not take: not started yet, or stopped.</summary>
    public InvalidOperationException NotRunning(ContractDescriptor contract, string messageId) => _lifetime.State == BusLifetime.Created
        ? new InvalidOperationException(
            $"The bus is not started; '{contract}'{messageId} was not sent. " +
            "The bus starts with the host: call host.StartAsync() (or host.RunAsync()) before sending, publishing or querying, " +
            "or send from a hosted service registered after AddContracts. Without a host, start every IHostedService the container holds.")
        : new InvalidOperationException(
            $"The bus has stopped; '{contract}'{messageId} was not sent. " +
            "Send before the host stops; while it drains, only handlers' sends are still handled.");

    /// <summary>Hands an envelope to the transport, or to the store's scheduler when it is due later and the transport cannot hold it.</summary>
    internal ValueTask ForwardAsync(Envelope envelope, CancellationToken cancellationToken) =>
        !_nativeDelay && envelope.DeliverAt is { } due && due > Time.GetUtcNow()
            ? _scheduler.ScheduleAsync(envelope, endpoint: null, cancellationToken)
            : _transport.SendAsync(envelope, null, cancellationToken);

    private async ValueTask CountWhenSentAsync(ValueTask send, ContractDescriptor contract)
    {
        await send.ConfigureAwait(false);
        CountSent(contract);
    }

    /// <summary>Why the start failed (the store or the transport could not be reached), for the health checks; <see langword="null"/> while it has not.</summary>
    public Exception? StartFailure { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_lifetime.TryMove(BusLifetime.Created, BusLifetime.Running))
        {
            return;
        }

        try
        {
            await StartRunningAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The host sees the failure; the bus stays "running" (it is stopped as usual), and the health checks say why it does not work.
            StartFailure = ex;
            throw;
        }
    }

    private async Task StartRunningAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            _storeReady.TrySetResult();
        }
        catch (Exception ex)
        {
            _storeReady.TrySetException(ex);
            throw;
        }

        if (!InProcess)
        {
            foreach (TransportEndpoint endpoint in Routes.Endpoints)
            {
                if (endpoint.Options.Consume && endpoint.Contract.Kind == MessageKind.Query && endpoint.Contract.ResultFormatter is null)
                {
                    throw new InvalidOperationException(
                        $"Query '{endpoint.Contract}' is handled here, but its result type {endpoint.Contract.ResultTypeName} has no generated formatter, " +
                        "so its reply cannot travel between processes. Return a type the generator can serialize (a record of supported members, a scalar, a collection of them).");
                }
            }
        }

        var context = new TransportContext(_catalog, Routes.Endpoints, _pipeline, _options.MaxPayloadBytes, _options.ShutdownTimeout, _options.MaxDeliveryDelay, _lifetime.Abort.Token);
        await _transport.StartAsync(context, cancellationToken).ConfigureAwait(false);

        CancellationToken stop = _backgroundStop.Token;
        using (ExecutionContext.SuppressFlow())
        {
            if (_durableStore)
            {
                _background.Add(Task.Run(() => _relay.RunAsync(stop), CancellationToken.None));
            }

            if (UsesClaims)
            {
                // Renewed until the transport has drained: a claim that ran out mid-drain would let another bus take
                // over rows this one is still handling.
                CancellationToken renewUntil = _renewalStop.Token;
                _renewal = Task.Run(() => _claims.RenewAsync(renewUntil), CancellationToken.None);
            }

            if (!_nativeDelay)
            {
                _background.Add(Task.Run(() => _scheduler.RunAsync(stop), CancellationToken.None));
            }

            _background.Add(Task.Run(() => _housekeeping.RunAsync(stop), CancellationToken.None));
        }

        await StartSchedulesAsync(stop, cancellationToken).ConfigureAwait(false);

        Log.Started(_logger, _catalog.Contracts.Count, _handlerCount, Routes.Endpoints.Count, SerializeMessages);
    }

    /// <summary>
    /// Stops the relay and clean-up (what they have not done stays in the store), then the transport: deliveries get
    /// <see cref="ContractsOptions.ShutdownTimeout"/> to finish; after that their handlers are cancelled.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_lifetime.TryMove(BusLifetime.Running, BusLifetime.Stopping))
        {
            _lifetime.TryMove(BusLifetime.Created, BusLifetime.Stopped);
            return;
        }

        await _backgroundStop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_background).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        using (var grace = new CancellationTokenSource(_options.ShutdownTimeout, Time))
        using (grace.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _lifetime.Abort))
        {
            try
            {
                await _transport.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Log.HandlersAbandoned(_logger, 0);
            }
        }

        _lifetime.MoveTo(BusLifetime.Stopped);
        await _renewalStop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        if (UsesClaims)
        {
            await _claims.ReleaseAsync().ConfigureAwait(false);
        }

        Queries.FailAll();
        Log.Stopped(_logger);
    }

    /// <summary>
    /// Synchronous disposal (a service provider disposed with <c>Dispose</c>) cannot wait for a drain without
    /// blocking a thread, so it stops at once: in-flight handlers are cancelled and queued messages are not handled.
    /// Stop the host, or dispose asynchronously, to drain.
    /// </summary>
    public void Dispose()
    {
        if (_lifetime.MoveTo(BusLifetime.Stopped) is BusLifetime.Running or BusLifetime.Stopping)
        {
            (_transport as IDisposable)?.Dispose();

            // Not disposed: workers still finishing read the token, and a source without a timer holds nothing.
            _backgroundStop.Cancel();
            _renewalStop.Cancel();
            _lifetime.Abort.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_lifetime.State == BusLifetime.Running)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await _transport.DisposeAsync().ConfigureAwait(false);
        _lifetime.Abort.Dispose();
    }
}
