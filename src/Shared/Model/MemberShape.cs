using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>One member on the wire: its property, its type, the constructor parameter that binds it and its index.</summary>
internal sealed class MemberShape(IPropertySymbol property, TypeShape type)
{
    public IPropertySymbol Property { get; } = property;
    public TypeShape Type { get; } = type;
    public IParameterSymbol? Parameter { get; set; }
    public int Index { get; set; } = -1;
    public bool IsKey { get; set; }
    public bool IsPartitionKey { get; set; }
}
