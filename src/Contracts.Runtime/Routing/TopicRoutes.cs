using System;
using System.Collections.Generic;
using Contracts.Modules;
using Contracts.Transport;

namespace Contracts.Routing;

/// <summary>
/// The topic subscriptions of this process, checked against the catalog at start: each pattern must match at least
/// one contract, only events, and only events its handler handles; a handler's events a pattern covers get no
/// subscription of their own (they would be delivered twice).
/// </summary>
internal sealed class TopicRoutes
{
    private readonly HashSet<(ContractDescriptor Contract, string Handler)> _covered = [];

    private TopicRoutes(List<(TopicSubscription, HandlerDescriptor[])> subscriptions) => Subscriptions = subscriptions;

    /// <summary>Each subscription with its handler's descriptor of every matching contract, in catalog order.</summary>
    public IReadOnlyList<(TopicSubscription Subscription, HandlerDescriptor[] Matched)> Subscriptions { get; }

    /// <summary>Whether a topic subscription of <paramref name="handler"/>'s class delivers <paramref name="contract"/>.</summary>
    public bool Covers(ContractDescriptor contract, HandlerDescriptor handler) => _covered.Contains((contract, handler.HandlerName));

    /// <summary>Matches every subscription against <paramref name="catalog"/>; throws naming the pattern when one is wrong.</summary>
    /// <exception cref="InvalidOperationException">A pattern matches nothing, a non-event, or an event its handler does not handle.</exception>
    public static TopicRoutes Resolve(ContractCatalog catalog, IReadOnlyList<HandlerDescriptor> handlers, IReadOnlyList<TopicSubscription> topics)
    {
        var resolved = new List<(TopicSubscription, HandlerDescriptor[])>(topics.Count);
        var routes = new TopicRoutes(resolved);
        foreach (TopicSubscription topic in topics)
        {
            var contracts = new List<ContractDescriptor>();
            foreach (ContractDescriptor contract in catalog.Contracts)
            {
                if (TopicPattern.Matches(topic.Topic, TransportEndpoint.AddressOf(contract)))
                {
                    contracts.Add(contract);
                }
            }

            // Non-events first, so the error does not depend on the catalog's order.
            foreach (ContractDescriptor contract in contracts)
            {
                if (contract.Kind != MessageKind.Event)
                {
                    throw new InvalidOperationException(
                        $"Topic subscription '{topic.Topic}' of {topic.Handler} matches {contract.Kind.ToString().ToLowerInvariant()} '{TransportEndpoint.AddressOf(contract)}', " +
                        "which is not an event: topics route events only (a command or query has exactly one endpoint). Narrow the pattern.");
                }
            }

            // A pattern that takes one version of an event and not another would lose events when publishers move on.
            foreach (ContractDescriptor contract in catalog.Contracts)
            {
                if (!contracts.Contains(contract) && contracts.Exists(c => c.Name == contract.Name))
                {
                    throw new InvalidOperationException(
                        $"Topic subscription '{topic.Topic}' of {topic.Handler} matches event '{contract.Name}' in some versions but not '{TransportEndpoint.AddressOf(contract)}': " +
                        "from version 2 on a routing name ends in '.vN', one more segment. Let the pattern take every version (end it with '>'), or none.");
                }
            }

            var matched = new List<HandlerDescriptor>(contracts.Count);
            bool handlerKnown = false;
            foreach (ContractDescriptor contract in contracts)
            {
                string address = TransportEndpoint.AddressOf(contract);
                HandlerDescriptor? handler = FindHandler(handlers, contract, topic.Handler, ref handlerKnown);
                if (handler is null && !handlerKnown)
                {
                    throw new InvalidOperationException(
                        $"Topic subscription '{topic.Topic}' names handler {topic.Handler}, which no module of this process registers: a handler is a class " +
                        "that names IEventHandler<> of each event in its base list, in an assembly the generator runs on.");
                }

                if (handler is null)
                {
                    throw new InvalidOperationException(
                        $"Topic subscription '{topic.Topic}' of {topic.Handler} matches event '{address}', which {topic.Handler} does not handle: " +
                        $"add IEventHandler<{contract.ClrType.Name}> to it, or narrow the pattern so it matches only the events it handles.");
                }

                if (!routes._covered.Add((contract, topic.Handler)))
                {
                    throw new InvalidOperationException(
                        $"Topic subscription '{topic.Topic}' of {topic.Handler} matches event '{address}', which another topic subscription of {topic.Handler} " +
                        "matches too: the handler would get it twice. Make the patterns disjoint.");
                }

                matched.Add(handler);
            }

            if (matched.Count == 0)
            {
                throw new InvalidOperationException(
                    $"Topic subscription '{topic.Topic}' of {topic.Handler} matches no contract in the catalog ({catalog.Contracts.Count} contracts): check its spelling " +
                    "(matching is case-sensitive, segment by segment, against routing names such as 'Shop.OrderPlaced', with '.v2' from version 2 on; '*' is one segment, a final '>' one or more).");
            }

            resolved.Add((topic, [.. matched]));
        }

        return routes;
    }

    private static HandlerDescriptor? FindHandler(IReadOnlyList<HandlerDescriptor> handlers, ContractDescriptor contract, string handlerName, ref bool known)
    {
        foreach (HandlerDescriptor handler in handlers)
        {
            if (handler.HandlerName == handlerName)
            {
                known = true;
                if (handler.Contract == contract)
                {
                    return handler;
                }
            }
        }

        return null;
    }
}
