using System;
using System.Collections.Generic;
using Contracts.Diagnostics;
using Contracts.Modules;
using Contracts.Transport;
using Microsoft.Extensions.Logging;

namespace Contracts.Routing;

/// <summary>
/// The endpoints of this process's handlers: one per command or query handler (named after the contract), one per
/// event subscription (contract and handler), one per topic subscription (pattern and handler, carrying every event
/// the pattern matches). Indexed by the contract's dense index, so finding a route is an array read.
/// </summary>
internal sealed class RouteTable
{
    private static readonly TransportEndpoint[] s_none = [];
    private readonly TransportEndpoint[]?[] _byContract;
    private readonly Dictionary<string, TransportEndpoint> _byName = new(StringComparer.Ordinal);

    public RouteTable(ContractCatalog catalog, IReadOnlyList<HandlerDescriptor> handlers, TransportOptions settings, ILogger logger)
    {
        int maxIndex = -1;
        foreach (ContractDescriptor contract in catalog.Contracts)
        {
            maxIndex = Math.Max(maxIndex, contract.Index);
        }

        var byContract = new Dictionary<ContractDescriptor, List<HandlerDescriptor>>();
        foreach (HandlerDescriptor handler in handlers)
        {
            if (!byContract.TryGetValue(handler.Contract, out List<HandlerDescriptor>? list))
            {
                byContract[handler.Contract] = list = [];
            }

            list.Add(handler);
        }

        var topics = TopicRoutes.Resolve(catalog, handlers, settings.Topics);
        var byContractEndpoints = new List<TransportEndpoint>?[maxIndex + 1];
        var endpoints = new List<TransportEndpoint>();
        foreach ((ContractDescriptor contract, List<HandlerDescriptor> list) in byContract)
        {
            if (contract.Kind != MessageKind.Event && list.Count > 1)
            {
                throw new InvalidOperationException(
                    $"'{contract}' has {list.Count} handlers ({string.Join(", ", list.ConvertAll(h => h.HandlerName))}); " +
                    $"a {contract.Kind.ToString().ToLowerInvariant()} is delivered to exactly one. Remove all but one.");
            }

            string address = TransportEndpoint.AddressOf(contract);
            foreach (HandlerDescriptor handler in list)
            {
                if (topics.Covers(contract, handler))
                {
                    continue; // delivered by the handler's topic subscription instead
                }

                string name = contract.Kind == MessageKind.Event ? $"{address}/{handler.HandlerName}" : address;
                Add(new TransportEndpoint(name, handler, settings.Resolve(name, address, handler.IsSagaStep ? DeliveryMode.EffectivelyOnce : null), endpoints.Count));
            }
        }

        foreach ((TopicSubscription subscription, HandlerDescriptor[] matched) in topics.Subscriptions)
        {
            string name = subscription.Endpoint;
            EndpointOptions options = settings.Resolve(name, delivery: matched[0].IsSagaStep ? DeliveryMode.EffectivelyOnce : null);
            Add(new TransportEndpoint(name, subscription.Topic, matched, maxIndex, options, endpoints.Count));
        }

        _byContract = new TransportEndpoint[]?[maxIndex + 1];
        for (int i = 0; i < byContractEndpoints.Length; i++)
        {
            _byContract[i] = byContractEndpoints[i]?.ToArray();
        }

        Endpoints = endpoints;
        WarnAboutUnknownEndpoints(settings, logger);

        void Add(TransportEndpoint endpoint)
        {
            endpoints.Add(endpoint);
            _byName[endpoint.Name] = endpoint;
            foreach (ContractDescriptor carried in endpoint.Contracts)
            {
                (byContractEndpoints[carried.Index] ??= []).Add(endpoint);
            }
        }
    }

    /// <summary>Every endpoint, in <see cref="TransportEndpoint.Index"/> order.</summary>
    public IReadOnlyList<TransportEndpoint> Endpoints { get; }

    /// <summary>The endpoints of <paramref name="contract"/> in this process: empty when no handler here takes it.</summary>
    public TransportEndpoint[] Find(ContractDescriptor contract)
    {
        TransportEndpoint[]?[] routes = _byContract;
        return (uint)contract.Index < (uint)routes.Length && routes[contract.Index] is { } route ? route : s_none;
    }

    /// <summary>The endpoint named <paramref name="name"/>, or <see langword="null"/> when this process has none by that name.</summary>
    public TransportEndpoint? Named(string name) => _byName.GetValueOrDefault(name);

    /// <summary>A setting for an endpoint that does not exist is most likely a typo: say so rather than ignore it.</summary>
    private void WarnAboutUnknownEndpoints(TransportOptions settings, ILogger logger)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (TransportEndpoint endpoint in Endpoints)
        {
            known.Add(endpoint.Name);
            known.Add(endpoint.ContractAddress);
        }

        foreach (string configured in settings.ConfiguredEndpoints)
        {
            if (!known.Contains(configured))
            {
                Log.UnknownEndpoint(logger, configured);
            }
        }
    }
}
