using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>"Is this a valid contract?" computed once per type and compilation (the answer needs the contract's whole shape).</summary>
internal sealed class ContractValidityCache(Compilation compilation)
{
    private readonly ConcurrentDictionary<INamedTypeSymbol, bool> _valid = new(SymbolEqualityComparer.Default);

    public bool IsValid(INamedTypeSymbol type) => _valid.GetOrAdd(type, t => ContractValidity.IsValidContract(t, compilation));
}
