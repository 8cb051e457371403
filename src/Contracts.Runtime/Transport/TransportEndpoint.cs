using System.Collections.Generic;
using System.ComponentModel;
using Contracts.Modules;

namespace Contracts.Transport;

/// <summary>
/// One endpoint of this process: a named queue that carries one contract to one handler, or (a topic subscription,
/// <see cref="Topic"/>) every event a pattern matches to one handler.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class TransportEndpoint
{
    internal TransportEndpoint(string name, HandlerDescriptor handler, EndpointOptions options, int index)
    {
        Name = name;
        Handler = handler;
        Options = options;
        Index = index;
        ContractAddress = AddressOf(handler.Contract);
        Contracts = [handler.Contract];
    }

    /// <summary>A topic subscription: <paramref name="handlers"/> are one handler class's descriptors of every contract the topic matches.</summary>
    internal TransportEndpoint(string name, string topic, HandlerDescriptor[] handlers, int maxContractIndex, EndpointOptions options, int index)
        : this(name, handlers[0], options, index)
    {
        Topic = topic;
        ContractAddress = topic;
        var contracts = new ContractDescriptor[handlers.Length];
        _byContract = new HandlerDescriptor?[maxContractIndex + 1];
        for (int i = 0; i < handlers.Length; i++)
        {
            contracts[i] = handlers[i].Contract;
            _byContract[handlers[i].Contract.Index] = handlers[i];
        }

        Contracts = contracts;
    }

    private readonly HandlerDescriptor?[]? _byContract;

    /// <summary>The endpoint (queue) name.</summary>
    public string Name { get; }

    /// <summary>The contract it carries (of a topic subscription: the first of <see cref="Contracts"/>).</summary>
    public ContractDescriptor Contract => Handler.Contract;

    /// <summary>
    /// The topic pattern of a topic subscription (<see cref="TransportOptions.Subscribe{THandler}"/>), such as
    /// <c>shop.orders.*</c>, or <see langword="null"/>. A transport with wildcards binds it natively (in it <c>*</c> is one
    /// segment of the routing name and a final <c>&gt;</c> one or more); one without subscribes to each of <see cref="Contracts"/>.
    /// </summary>
    public string? Topic { get; }

    /// <summary>Every contract the endpoint carries: its one contract, or each event in the catalog its <see cref="Topic"/> matches.</summary>
    public IReadOnlyList<ContractDescriptor> Contracts { get; }

    /// <summary>Its settings.</summary>
    public EndpointOptions Options { get; }

    /// <summary>The position of the endpoint in <see cref="TransportContext.Endpoints"/>: a transport may index its own per-endpoint state with it.</summary>
    public int Index { get; }

    /// <summary>
    /// The routing name of the endpoint's contract (its endpoint name for a command or query, the name every subscription
    /// of an event shares), or of a topic subscription its <see cref="Topic"/>.
    /// </summary>
    public string ContractAddress { get; }

    /// <summary>Whether a contract it carries has <see cref="PartitionKeyAttribute"/> members (ordered per key).</summary>
    internal bool HasPartitionKey
    {
        get
        {
            foreach (ContractDescriptor contract in Contracts)
            {
                if (contract.HasPartitionKey)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The handler the endpoint feeds.</summary>
    internal HandlerDescriptor Handler { get; }

    /// <summary>Whether <paramref name="contract"/> is one of <see cref="Contracts"/>: an array read.</summary>
    internal bool Carries(ContractDescriptor contract)
    {
        HandlerDescriptor?[]? byContract = _byContract;
        return byContract is null ? contract == Handler.Contract : (uint)contract.Index < (uint)byContract.Length && byContract[contract.Index] is not null;
    }

    /// <summary>
    /// The handler of <paramref name="contract"/> on this endpoint. Only a topic subscription carries several; the pipeline
    /// dead-letters a contract the endpoint does not carry (<see cref="Carries"/>) before it asks.
    /// </summary>
    internal HandlerDescriptor HandlerFor(ContractDescriptor contract)
    {
        HandlerDescriptor?[]? byContract = _byContract;
        return byContract is not null && (uint)contract.Index < (uint)byContract.Length && byContract[contract.Index] is { } handler ? handler : Handler;
    }

    /// <summary>The routing name of <paramref name="contract"/>: where a send or publish of it is addressed.</summary>
    /// <param name="contract">The contract.</param>
    /// <returns>Its name, with a <c>.v</c>N suffix from version 2 on.</returns>
    public static string AddressOf(ContractDescriptor contract) =>
        contract.Version == 1 ? contract.Name : $"{contract.Name}.v{contract.Version}";

    /// <inheritdoc />
    public override string ToString() => Name;
}
