using System;
using System.Collections.Generic;
using Contracts.Routing;
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
    private readonly List<TopicSubscription> _topics = [];

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

    /// <summary>
    /// Subscribes handler <typeparamref name="THandler"/> to every event whose routing name matches
    /// <paramref name="topic"/>, in one subscription (endpoint <c>{topic}/{handler's full name}</c>) instead of one per
    /// event. Names are split at dots; <c>*</c> matches exactly one segment and a final <c>&gt;</c> one or more, so
    /// <c>shop.orders.*</c> takes <c>shop.orders.placed</c> and <c>shop.orders.&gt;</c> also <c>shop.orders.returns.opened</c>.
    /// The bus checks the pattern against the catalog at start: it must match at least one contract, only events, and
    /// only events the handler handles (an <see cref="IEventHandler{TEvent}"/> of each); otherwise the start fails
    /// naming the pattern. Brokers with wildcards bind the pattern itself, so an event a newer publisher adds that
    /// matches it reaches the subscription (and is dead-lettered as unknown until this process knows its contract).
    /// </summary>
    /// <typeparam name="THandler">The handler class: a generated handler of each matching event.</typeparam>
    /// <param name="topic">The pattern, such as <c>shop.orders.*</c> or <c>shop.orders.&gt;</c>.</param>
    /// <param name="configure">Settings of the subscription's endpoint, applied after the defaults; optional.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentException">The pattern is not valid (an empty segment, a wildcard inside a segment, <c>&gt;</c> before the end).</exception>
    public TransportOptions Subscribe<THandler>(string topic, Action<EndpointOptions>? configure = null)
        where THandler : class
    {
        TopicPattern.Validate(topic, nameof(topic));
        string handler = typeof(THandler).FullName ?? typeof(THandler).Name;
        foreach (TopicSubscription existing in _topics)
        {
            if (existing.Handler == handler && existing.Topic == topic)
            {
                throw new ArgumentException($"{handler} is subscribed to topic '{topic}' twice.", nameof(topic));
            }
        }

        var subscription = new TopicSubscription(topic, handler);
        _topics.Add(subscription);
        if (configure is not null)
        {
            Endpoint(subscription.Endpoint, configure);
        }

        return this;
    }

    /// <summary>The topic subscriptions, in the order declared.</summary>
    internal IReadOnlyList<TopicSubscription> Topics => _topics;

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
