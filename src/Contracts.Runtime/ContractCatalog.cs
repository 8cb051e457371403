using System;
using System.Collections.Generic;

namespace Contracts;

/// <summary>
/// Every contract the process knows, from the generated modules. Transports resolve wire names here: only
/// names in this catalog are ever turned into types.
/// </summary>
public sealed class ContractCatalog
{
    private readonly Dictionary<(string Name, int Version), ContractDescriptor> _byName = [];
    private readonly ContractDescriptor[] _contracts;

    internal ContractCatalog(IReadOnlyList<ContractDescriptor> contracts)
    {
        _contracts = new ContractDescriptor[contracts.Count];
        for (int i = 0; i < contracts.Count; i++)
        {
            ContractDescriptor contract = contracts[i];
            if (_byName.TryGetValue((contract.Name, contract.Version), out ContractDescriptor? existing))
            {
                throw new InvalidOperationException(
                    $"Two contracts share the name '{contract.Name}' and version {contract.Version}: {existing.ClrType.FullName} and {contract.ClrType.FullName}. " +
                    "Give one of them another Name or Version in its attribute.");
            }

            _byName.Add((contract.Name, contract.Version), contract);
            _contracts[i] = contract;
        }
    }

    /// <summary>The contracts, in registration order.</summary>
    public IReadOnlyList<ContractDescriptor> Contracts => _contracts;

    /// <summary>Finds a contract by wire name and version.</summary>
    /// <param name="name">The wire name.</param>
    /// <param name="version">The version.</param>
    /// <param name="contract">The contract, when found.</param>
    /// <returns>Whether the catalog has it.</returns>
    public bool TryFind(string name, int version, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ContractDescriptor? contract) =>
        _byName.TryGetValue((name, version), out contract);
}
