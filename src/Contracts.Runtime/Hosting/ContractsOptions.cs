using System;
using System.Collections.Generic;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts;

/// <summary>Configures the bus; passed to <see cref="ContractsServiceCollectionExtensions.AddContracts"/>.</summary>
public sealed class ContractsOptions
{
    internal InMemoryTransportOptions? InMemory { get; private set; }

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
    /// How long this bus's claim on a stored row (a queued message it handles, an outbox row it relays) lasts unless
    /// renewed; it is renewed at a third of this while the bus runs and released when it stops. After a crash, another
    /// bus on the same database (or this one, restarted) takes the rows over once their claims run out. Default 30 seconds.
    /// </summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Without a durable store: how many dead letters are kept in memory (the oldest go first). Default 1000.</summary>
    public int MaxInMemoryDeadLetters { get; set; } = 1000;

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

    /// <summary>Whether a transport was chosen.</summary>
    internal bool HasTransport => Factory is not null;

    /// <summary>Creates the chosen transport.</summary>
    internal Func<TransportServices, ITransport> TransportFactory => Factory ?? throw new InvalidOperationException("No transport is chosen.");

    /// <summary>The chosen transport's endpoint settings.</summary>
    internal TransportOptions TransportSettings => Settings ?? new InMemoryTransportOptions();
}

/// <summary>What an endpoint does when its queue is full.</summary>
public enum EndpointFullMode
{
    /// <summary>The producer waits for room (buffering backpressure).</summary>
    Wait,

    /// <summary>The oldest queued message is dropped to make room; drops are counted.</summary>
    DropOldest,

    /// <summary>The newest queued message is dropped to make room; drops are counted.</summary>
    DropNewest,

    /// <summary>The send fails with <see cref="EndpointFullException"/>.</summary>
    Reject,
}

/// <summary>Settings of one endpoint: a named, bounded queue with its consumers.</summary>
public sealed class EndpointOptions
{
    /// <summary>How many messages may wait in the queue. Default 1024.</summary>
    public int Capacity { get; set; } = 1024;

    /// <summary>What happens when the queue is full. Default <see cref="EndpointFullMode.Wait"/>.</summary>
    public EndpointFullMode FullMode { get; set; } = EndpointFullMode.Wait;

    /// <summary>How many messages are handled at once. Default 1, which keeps FIFO order.</summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>
    /// Whether this process consumes the endpoint. Default true. On a broker, false leaves the endpoint to the
    /// services that handle it (this process only sends to it) even though its handler is compiled in; the
    /// in-memory transport has no one else to consume it and refuses false.
    /// </summary>
    public bool Consume { get; set; } = true;

    /// <summary>
    /// The highest message priority the endpoint honours (1-255), or 0 for none (the default): FIFO. On RabbitMQ the
    /// endpoint's queue becomes a priority queue and <see cref="SendOptions.Priority"/> orders waiting messages; the
    /// in-memory transport keeps FIFO.
    /// </summary>
    public int MaxPriority { get; set; }

    /// <summary>What a failed delivery does next. Default: no retries, straight to dead letters.</summary>
    public RetryPolicy Retry { get; private set; } = new();

    /// <summary>The delivery guarantee. Default <see cref="DeliveryMode.AtLeastOnce"/>.</summary>
    public DeliveryMode Delivery { get; set; } = DeliveryMode.AtLeastOnce;

    internal EndpointOptions Clone()
    {
        var clone = (EndpointOptions)MemberwiseClone();
        clone.Retry = Retry.Clone();
        return clone;
    }

    internal void Validate(string endpoint)
    {
        if (Capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, $"Endpoint '{endpoint}' needs a Capacity of at least 1.");
        }

        if (MaxConcurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, $"Endpoint '{endpoint}' needs a MaxConcurrency of at least 1.");
        }

        if (MaxPriority is < 0 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPriority), MaxPriority, $"Endpoint '{endpoint}' needs a MaxPriority from 0 (none) to 255.");
        }

        if (!Enum.IsDefined(FullMode))
        {
            throw new ArgumentOutOfRangeException(nameof(FullMode), FullMode, $"Endpoint '{endpoint}' has an unknown FullMode.");
        }

        if (!Enum.IsDefined(Delivery))
        {
            throw new ArgumentOutOfRangeException(nameof(Delivery), Delivery, $"Endpoint '{endpoint}' has an unknown Delivery mode.");
        }

        Retry.Validate(endpoint);
    }
}

/// <summary>The delivery guarantee of an endpoint.</summary>
public enum DeliveryMode
{
    /// <summary>
    /// A message is removed only after its handler succeeded, so a crash or a failure delivers it again: the
    /// handler may run more than once for one message. The default.
    /// </summary>
    AtLeastOnce,

    /// <summary>
    /// A message is removed before its handler runs and never retried: a crash or a failure loses it (a failure is
    /// still kept in dead letters). For messages whose loss is cheaper than their repetition.
    /// </summary>
    AtMostOnce,

    /// <summary>
    /// At-least-once with an inbox on the idempotency key (or, without key members, the message id): a key already
    /// handled on this endpoint is dropped. With a store that supports it (SQLite), the handler's own database work,
    /// the inbox key and the removal of the message commit in one transaction, so the effect happens exactly once;
    /// otherwise the key is recorded right after the handler succeeded.
    /// </summary>
    EffectivelyOnce,
}

/// <summary>
/// What an endpoint does when a handler throws: <see cref="ImmediateRetries"/> retries at once, then up to
/// <see cref="DelayedRetries"/> rounds after an exponentially growing, jittered delay (each round again with its
/// immediate retries), then dead letters. <see cref="NeverRetry{TException}"/> and <see cref="AlwaysRetry{TException}"/>
/// filter by exception. A message that cannot be read is never retried.
/// </summary>
public sealed class RetryPolicy
{
    private List<Func<Exception, bool>> _never = [];
    private List<Func<Exception, bool>> _always = [];

    /// <summary>Retries right after a failure, in each round. Default 0.</summary>
    public int ImmediateRetries { get; set; }

    /// <summary>Rounds of retries after a delay. Default 0.</summary>
    public int DelayedRetries { get; set; }

    /// <summary>The delay before the first delayed round; each further round multiplies it by <see cref="BackoffFactor"/>. Default 1 second.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How much each delayed round's delay grows. Default 2.</summary>
    public double BackoffFactor { get; set; } = 2;

    /// <summary>The longest delay. Default 10 minutes.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Random spread of each delay, as a fraction of it (0.2: anywhere from 80% to 120%). Default 0.2.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>Sends a failure with <typeparamref name="TException"/> (or a derived type) straight to dead letters: a validation failure will fail again.</summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <returns>This policy, for chaining.</returns>
    public RetryPolicy NeverRetry<TException>()
        where TException : Exception
    {
        _never.Add(static e => e is TException);
        return this;
    }

    /// <summary>Retries a failure with <typeparamref name="TException"/> (or a derived type) even when a <see cref="NeverRetry{TException}"/> filter matches it.</summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <returns>This policy, for chaining.</returns>
    public RetryPolicy AlwaysRetry<TException>()
        where TException : Exception
    {
        _always.Add(static e => e is TException);
        return this;
    }

    /// <summary>Sends failures that match <paramref name="filter"/> straight to dead letters.</summary>
    /// <param name="filter">The filter.</param>
    /// <returns>This policy, for chaining.</returns>
    public RetryPolicy NeverRetry(Func<Exception, bool> filter)
    {
        _never.Add(filter ?? throw new ArgumentNullException(nameof(filter)));
        return this;
    }

    /// <summary>Whether <paramref name="exception"/> may be retried at all.</summary>
    /// <param name="exception">The handler's exception.</param>
    /// <returns>False when a never-retry filter matches and no always-retry filter does.</returns>
    public bool IsRetryable(Exception exception)
    {
        foreach (Func<Exception, bool> always in _always)
        {
            if (always(exception))
            {
                return true;
            }
        }

        foreach (Func<Exception, bool> never in _never)
        {
            if (never(exception))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The delay before delayed round <paramref name="round"/> (0 for the first), with jitter from <paramref name="random"/>.</summary>
    /// <param name="round">The round, from 0.</param>
    /// <param name="random">A number in [0, 1).</param>
    /// <returns>The delay.</returns>
    public TimeSpan DelayFor(int round, double random)
    {
        double ms = Delay.TotalMilliseconds * Math.Pow(BackoffFactor, round);
        ms = Math.Min(ms, MaxDelay.TotalMilliseconds);
        ms *= 1 + (Jitter * ((2 * random) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, ms));
    }

    internal RetryPolicy Clone()
    {
        var clone = (RetryPolicy)MemberwiseClone();
        clone._never = [.. _never];
        clone._always = [.. _always];
        return clone;
    }

    internal void Validate(string endpoint)
    {
        if (ImmediateRetries < 0 || DelayedRetries < 0 || Delay < TimeSpan.Zero || BackoffFactor < 1 || Jitter is < 0 or > 1 || MaxDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(EndpointOptions.Retry),
                $"Endpoint '{endpoint}' has an invalid retry policy: retries and delays must not be negative, BackoffFactor at least 1 and Jitter between 0 and 1.");
        }
    }
}

/// <summary>
/// Endpoint settings every transport shares. Endpoints are named after what they carry: a command or query
/// endpoint after its contract (<c>Shop.PlaceOrder</c>), an event subscription after its contract and handler
/// (<c>Shop.OrderPlaced/Shop.Handlers.Mailer</c>). Settings for an event's name apply to all of its subscriptions.
/// </summary>
public abstract class TransportOptions
{
    private readonly Dictionary<string, Action<EndpointOptions>> _endpoints = new(StringComparer.Ordinal);

    /// <summary>Settings every endpoint starts from.</summary>
    public EndpointOptions Defaults { get; } = new();

    /// <summary>Adjusts one endpoint after the defaults apply.</summary>
    /// <param name="name">The endpoint name.</param>
    /// <param name="configure">The adjustment.</param>
    /// <returns>These options, for chaining.</returns>
    public TransportOptions Endpoint(string name, Action<EndpointOptions> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        _endpoints[name] = _endpoints.TryGetValue(name, out Action<EndpointOptions>? existing) ? existing + configure : configure;
        return this;
    }

    /// <summary>
    /// Adjusts the endpoint of command or query <typeparamref name="TContract"/> (named with a <c>.v</c>N suffix from
    /// version 2 on), or every subscription of event <typeparamref name="TContract"/>; settings given for one
    /// subscription by its own name apply after these.
    /// </summary>
    /// <typeparam name="TContract">The contract.</typeparam>
    /// <param name="configure">The adjustment.</param>
    /// <returns>These options, for chaining.</returns>
    public TransportOptions Endpoint<TContract>(Action<EndpointOptions> configure)
        where TContract : class, IContract<TContract>
        => Endpoint(TransportEndpoint.AddressOf(TContract.Contract), configure);

    /// <summary>Whether messages travel as bytes through their generated formatters: always, on a broker.</summary>
    internal virtual bool Serializes => true;

    /// <summary>The settings of endpoint <paramref name="name"/>: the defaults, then the settings of its contract
    /// (<paramref name="contractEndpoint"/>, for an event subscription), then its own.</summary>
    internal EndpointOptions Resolve(string name, string? contractEndpoint = null)
    {
        EndpointOptions options = Defaults.Clone();
        if (contractEndpoint is not null && _endpoints.TryGetValue(contractEndpoint, out Action<EndpointOptions>? forContract))
        {
            forContract(options);
        }

        if (_endpoints.TryGetValue(name, out Action<EndpointOptions>? configure))
        {
            configure(options);
        }

        options.Validate(name);
        return options;
    }

    internal IEnumerable<string> ConfiguredEndpoints => _endpoints.Keys;
}

/// <summary>Settings of the in-memory transport: bounded in-process queues, one per endpoint.</summary>
public sealed class InMemoryTransportOptions : TransportOptions
{
    /// <summary>
    /// Pushes every message through its generated formatter and back, so in-process runs exercise the wire
    /// path (and handlers never share an instance). Off by default.
    /// </summary>
    public bool SerializeMessages { get; set; }

    internal override bool Serializes => SerializeMessages;
}
