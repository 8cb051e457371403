using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>An array or list of one element type, through <c>{name}Formatter&lt;T&gt;</c> composed over the element's formatter.</summary>
internal sealed class ListWireType(string name) : WireType
{
    public override bool IsInline(TypeSpec type) => false;

    public override bool IsScalar => false;

    public override string Formatter(TypeSpec type) =>
        $"new {Serialization}{name}Formatter<{type.Arguments[0].FullyQualifiedName}>({WireTypeTable.Formatter(type.Arguments[0])})";
}
