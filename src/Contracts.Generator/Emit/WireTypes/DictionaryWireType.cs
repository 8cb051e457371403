using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>A dictionary, through <c>{name}Formatter&lt;TKey, TValue&gt;</c> composed over the key's and the value's formatters.</summary>
internal sealed class DictionaryWireType(string name) : WireType
{
    public override bool IsInline(TypeSpec type) => false;

    public override bool IsScalar => false;

    public override string Formatter(TypeSpec type)
    {
        TypeSpec key = type.Arguments[0];
        TypeSpec value = type.Arguments[1];
        return $"new {Serialization}{name}Formatter<{key.FullyQualifiedName}, {value.FullyQualifiedName}>({WireTypeTable.Formatter(key)}, {WireTypeTable.Formatter(value)})";
    }
}
