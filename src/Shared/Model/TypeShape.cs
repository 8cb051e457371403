using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>The shape of one member's type; <see cref="Object"/> is set for a user record or class.</summary>
internal sealed class TypeShape(WireKind kind, ITypeSymbol type)
{
    public WireKind Kind { get; } = kind;
    public ITypeSymbol Type { get; } = type;
    public TypeShape[] Arguments { get; set; } = [];
    public ObjectShape? Object { get; set; }
    public SpecialType EnumUnderlying { get; set; }
    public string? Problem { get; set; }
}
