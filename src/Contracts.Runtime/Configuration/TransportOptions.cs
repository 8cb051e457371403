using System;
using System.Collections.Generic;
using Contracts.Transport;

namespace Contracts;

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
    /// (<paramref name="contractEndpoint"/>, for an event subscription), then its own. A handler kind's own default
    /// delivery (<paramref name="delivery"/>: a saga step's is EffectivelyOnce) applies over the defaults.</summary>
    internal EndpointOptions Resolve(string name, string? contractEndpoint = null, DeliveryMode? delivery = null)
    {
        EndpointOptions options = Defaults.Clone();
        if (delivery is { } kindDefault)
        {
            options.Delivery = kindDefault;
        }
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
