using System;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts;

/// <summary>Configures the bus; passed to <see cref="ContractsServiceCollectionExtensions.AddContracts(Microsoft.Extensions.DependencyInjection.IServiceCollection, System.Action{ContractsOptions})"/>.</summary>
public sealed class ContractsOptions
{
    internal InMemoryTransportOptions? InMemory { get; private set; }

    /// <summary>The projections the bus runs: <c>o.Projections.Add&lt;OrderSummaries&gt;(ProjectionMode.Async)</c>.</summary>
    public Projections.ProjectionRegistry Projections { get; } = new();

    /// <summary>How long a query waits for its reply unless <see cref="QueryOptions.Timeout"/> says otherwise. Default 30 seconds.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long stopping waits for queued and in-flight messages to finish before cancelling handlers. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest serialized message accepted, in bytes. Default 1 MiB.</summary>
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>How long inbox keys (and relayed outbox records) are kept; a duplicate older than this is no longer dropped. Default 7 days.</summary>
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often expired inbox keys and relayed outbox records are removed. Default 10 minutes.</summary>
    public TimeSpan CleanUpInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the outbox relay looks for committed outbox records. Default 100 ms.</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How often a live event subscription (<see cref="EventSourcing.IEventStore.SubscribeToAllAsync(long, System.Threading.CancellationToken)"/>) that has caught
    /// up looks for events other processes appended; appends in this process wake it at once. Default 100 ms.
    /// </summary>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long this bus's claim on a stored row (a queued message it handles, an outbox row it relays) lasts unless
    /// renewed; it is renewed at a third of this while the bus runs and released when it stops. After a crash, another
    /// bus on the same database (or this one, restarted) takes the rows over once their claims run out. Default 30 seconds.
    /// </summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Without a durable store: how many dead letters are kept in memory (the oldest go first). Default 1000.</summary>
    public int MaxInMemoryDeadLetters { get; set; } = 1000;

    /// <summary>
    /// How many deliveries of one message may end unsettled (the handler took the process down: a fail-fast, a stack
    /// overflow, a native crash) before the next delivery dead-letters it with <see cref="DeadLetterReason.CrashLoop"/>
    /// instead of handling it, so the messages behind it get their turn. Counted durably, before the handler runs, by
    /// transports that can (<see cref="IDeliveryControl.DeliveryCount"/>: the in-memory transport on a durable store
    /// counts the store's claims of the row); a delivery given back cleanly (the bus stopping) does not count, and a
    /// retry is counted by the retry policy, not here. 0 turns the check off. Default 5.
    /// </summary>
    public int MaxUnfinishedDeliveries { get; set; } = 5;

    /// <summary>
    /// What happens to a command or event whose deliver-by time has passed when it arrives: dropped (counted in
    /// <c>contracts.messages.expired</c> and logged) or dead-lettered with <see cref="DeadLetterReason.Expired"/>. An
    /// expired query is always dropped: its caller has stopped waiting. Default <see cref="Contracts.ExpiredMessages.Drop"/>.
    /// </summary>
    public ExpiredMessages ExpiredMessages { get; set; } = ExpiredMessages.Drop;

    /// <summary>
    /// How far ahead a message may be scheduled (<see cref="SendOptions.Delay"/>, <see cref="SendOptions.DeliverAt"/>):
    /// a send beyond it throws <see cref="ArgumentOutOfRangeException"/>, and a message that arrives asking for more
    /// (another producer, a forged header) is dead-lettered with <see cref="DeadLetterReason.DelayTooLong"/> instead of
    /// waiting for ever. Default 365 days.
    /// </summary>
    public TimeSpan MaxDeliveryDelay { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// How much of a failure a dead letter keeps: <see cref="DeadLetterDetail.Bounded"/> (the default) keeps the
    /// exception's type, message and stack frames without source paths, at most 8 KB; <see cref="DeadLetterDetail.Full"/>
    /// keeps <see cref="Exception.ToString"/> whole, source paths of the build machine included.
    /// </summary>
    public DeadLetterDetail DeadLetterDetail { get; set; } = DeadLetterDetail.Bounded;

    /// <summary>Recurring schedules declared at start, and how schedules run (docs/schedules.md).</summary>
    public Scheduling.ScheduleOptions Schedules { get; } = new();

    internal Func<IServiceProvider, IMessageStore>? StoreFactory { get; private set; }

    /// <summary>
    /// Keeps queued messages, dead letters, inbox keys and the outbox in <paramref name="factory"/>'s store. Store
    /// packages call this (for SQLite: <c>UseSqlite</c>); without it, dead letters and inbox keys live in memory only.
    /// </summary>
    /// <param name="factory">Creates the store once, from the application's services.</param>
    /// <returns>These options, for chaining.</returns>
    public ContractsOptions UseStore(Func<IServiceProvider, IMessageStore> factory)
    {
        StoreFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>Moves messages over in-process channels: the embedded default.</summary>
    /// <param name="configure">Endpoint defaults and per-endpoint settings.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another transport was chosen already.</exception>
    public ContractsOptions UseInMemoryTransport(Action<InMemoryTransportOptions>? configure = null)
    {
        if (Factory is not null && InMemory is null)
        {
            throw new InvalidOperationException("Another transport is already chosen; a bus uses one transport.");
        }

        InMemory ??= new InMemoryTransportOptions();
        Settings = InMemory;
        Factory = static services => new Transport.InMemory.InMemoryTransport(services.Store, services.StoreReady, services.Claims, services.Time, services.Logger);
        configure?.Invoke(InMemory);
        return this;
    }

    /// <summary>
    /// Moves messages through another transport: transport packages call this (for RabbitMQ: <c>UseRabbitMq</c>).
    /// Routing of handlers to endpoints, retries, dead-letter decisions and the inbox stay the bus's.
    /// </summary>
    /// <param name="settings">The transport's endpoint settings.</param>
    /// <param name="factory">Creates the transport once, when the bus is built.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another transport was chosen already.</exception>
    public ContractsOptions UseTransport(TransportOptions settings, Func<TransportServices, ITransport> factory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(factory);
        if ((Factory is not null && !ReferenceEquals(settings, Settings)) || InMemory is not null)
        {
            throw new InvalidOperationException("Another transport is already chosen; a bus uses one transport.");
        }

        Settings = settings;
        Factory = factory;
        return this;
    }

    private TransportOptions? Settings { get; set; }

    private Func<TransportServices, ITransport>? Factory { get; set; }

    /// <summary>
    /// Puts <paramref name="wrap"/> around the chosen transport when it is created: Contracts.Testing's harness records
    /// what goes through it. Call after the transport is chosen.
    /// </summary>
    internal void WrapTransport(Func<ITransport, ITransport> wrap)
    {
        Func<TransportServices, ITransport> inner = TransportFactory;
        Factory = services => wrap(inner(services));
    }

    /// <summary>Whether a transport was chosen.</summary>
    internal bool HasTransport => Factory is not null;

    /// <summary>Creates the chosen transport.</summary>
    internal Func<TransportServices, ITransport> TransportFactory => Factory ?? throw new InvalidOperationException("No transport is chosen.");

    /// <summary>The chosen transport's endpoint settings.</summary>
    internal TransportOptions TransportSettings => Settings ?? new InMemoryTransportOptions();

    /// <summary>
    /// Refuses settings that cannot work, when the bus is built (the host starting): a timeout or interval of zero or
    /// less, a size limit below one byte, and safeguards against hostile messages turned into traps (a negative horizon
    /// dead-letters every delayed message). The exception names the option and its value, from code or configuration.
    /// </summary>
    internal void Validate()
    {
        Positive(QueryTimeout, nameof(QueryTimeout));
        if (ShutdownTimeout < TimeSpan.Zero)
        {
            throw Invalid(nameof(ShutdownTimeout), ShutdownTimeout, "must not be negative");
        }

        if (MaxPayloadBytes < 1)
        {
            throw Invalid(nameof(MaxPayloadBytes), MaxPayloadBytes, "must be at least 1");
        }

        Positive(InboxRetention, nameof(InboxRetention));
        Positive(CleanUpInterval, nameof(CleanUpInterval));
        Positive(OutboxPollInterval, nameof(OutboxPollInterval));
        Positive(EventPollInterval, nameof(EventPollInterval));
        Positive(ClaimDuration, nameof(ClaimDuration));
        if (MaxInMemoryDeadLetters < 0)
        {
            throw Invalid(nameof(MaxInMemoryDeadLetters), MaxInMemoryDeadLetters, "must not be negative");
        }

        if (MaxUnfinishedDeliveries < 0)
        {
            throw Invalid(nameof(MaxUnfinishedDeliveries), MaxUnfinishedDeliveries, "must not be negative (0 turns the check off)");
        }

        Positive(MaxDeliveryDelay, nameof(MaxDeliveryDelay));
        if (!Enum.IsDefined(ExpiredMessages))
        {
            throw Invalid(nameof(ExpiredMessages), ExpiredMessages, "is not a defined value");
        }

        if (!Enum.IsDefined(DeadLetterDetail))
        {
            throw Invalid(nameof(DeadLetterDetail), DeadLetterDetail, "is not a defined value");
        }

        Schedules.Validate();
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw Invalid(name, value, "must be positive");
        }
    }

    private static ArgumentOutOfRangeException Invalid(string name, object value, string rule) =>
        new(name, value, $"ContractsOptions.{name} {rule} (it is {value}). Fix it where it is set: in AddContracts, or in the configuration section passed to it.");
}
