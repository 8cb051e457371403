using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>One handler interface a handler names in its base list.</summary>
internal readonly struct HandledMessage(ContractKind kind, INamedTypeSymbol @interface, Location location)
{
    public ContractKind Kind { get; } = kind;

    public INamedTypeSymbol Interface { get; } = @interface;

    public ITypeSymbol Message => Interface.TypeArguments[0];

    /// <summary>The TResult of IQueryHandler&lt;TQuery, TResult&gt;; null for commands and events.</summary>
    public ITypeSymbol? Result => Kind == ContractKind.Query ? Interface.TypeArguments[1] : null;

    /// <summary>The identifier of the declaration whose base list names the interface.</summary>
    public Location Location { get; } = location;
}
