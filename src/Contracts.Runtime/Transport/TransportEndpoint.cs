using System.ComponentModel;
using Contracts.Modules;

namespace Contracts.Transport;

/// <summary>One endpoint of this process: a named queue that carries one contract to one handler.</summary>
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
    }

    /// <summary>The endpoint (queue) name.</summary>
    public string Name { get; }

    /// <summary>The contract it carries.</summary>
    public ContractDescriptor Contract => Handler.Contract;

    /// <summary>Its settings.</summary>
    public EndpointOptions Options { get; }

    /// <summary>The position of the endpoint in <see cref="TransportContext.Endpoints"/>: a transport may index its own per-endpoint state with it.</summary>
    public int Index { get; }

    /// <summary>The routing name of the endpoint's contract (its endpoint name for a command or query, the name every subscription of an event shares).</summary>
    public string ContractAddress { get; }

    /// <summary>The handler the endpoint feeds.</summary>
    internal HandlerDescriptor Handler { get; }

    /// <summary>The routing name of <paramref name="contract"/>: where a send or publish of it is addressed.</summary>
    /// <param name="contract">The contract.</param>
    /// <returns>Its name, with a <c>.v</c>N suffix from version 2 on.</returns>
    public static string AddressOf(ContractDescriptor contract) =>
        contract.Version == 1 ? contract.Name : $"{contract.Name}.v{contract.Version}";

    /// <inheritdoc />
    public override string ToString() => Name;
}
