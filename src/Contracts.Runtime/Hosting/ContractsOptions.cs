using System;
using System.Collections.Generic;

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

    /// <summary>Moves messages over in-process channels: the embedded default.</summary>
    /// <param name="configure">Endpoint defaults and per-endpoint settings.</param>
    /// <returns>These options, for chaining.</returns>
    public ContractsOptions UseInMemoryTransport(Action<InMemoryTransportOptions>? configure = null)
    {
        InMemory ??= new InMemoryTransportOptions();
        configure?.Invoke(InMemory);
        return this;
    }
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

    internal EndpointOptions Clone() => (EndpointOptions)MemberwiseClone();

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

        if (!Enum.IsDefined(FullMode))
        {
            throw new ArgumentOutOfRangeException(nameof(FullMode), FullMode, $"Endpoint '{endpoint}' has an unknown FullMode.");
        }
    }
}

/// <summary>
/// Settings of the in-memory transport. Endpoints are named after what they carry: a command or query
/// endpoint after its contract (<c>Shop.PlaceOrder</c>), an event subscription after its contract and handler
/// (<c>Shop.OrderPlaced/Shop.Handlers.Mailer</c>). Settings for an event's name apply to all of its subscriptions.
/// </summary>
public sealed class InMemoryTransportOptions
{
    private readonly Dictionary<string, Action<EndpointOptions>> _endpoints = new(StringComparer.Ordinal);

    /// <summary>Settings every endpoint starts from.</summary>
    public EndpointOptions Defaults { get; } = new();

    /// <summary>
    /// Pushes every message through its generated formatter and back, so in-process runs exercise the wire
    /// path (and handlers never share an instance). Off by default.
    /// </summary>
    public bool SerializeMessages { get; set; }

    /// <summary>Adjusts one endpoint after the defaults apply.</summary>
    /// <param name="name">The endpoint name.</param>
    /// <param name="configure">The adjustment.</param>
    /// <returns>These options, for chaining.</returns>
    public InMemoryTransportOptions Endpoint(string name, Action<EndpointOptions> configure)
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
    public InMemoryTransportOptions Endpoint<TContract>(Action<EndpointOptions> configure)
        where TContract : class, IContract<TContract>
        => Endpoint(Transport.ContractsRuntime.EndpointName(TContract.Contract), configure);

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
