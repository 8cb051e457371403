using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary><c>T?</c> of a value type: nil, or the value as <c>T</c> writes it; in place when <c>T</c> is a scalar.</summary>
internal sealed class NullableWireType : WireType
{
    public override bool IsInline(TypeSpec type) => WireTypeTable.For(type.Arguments[0].Kind).IsScalar;

    public override bool IsScalar => false;

    // One line per index, like the reader's switch.
    public override string Write(TypeSpec type, string expression, string local) =>
        $"if ({expression} is {{ }} {local}) {Value(type).Write(type.Arguments[0], local, local)} else writer.WriteNil();";

    public override string Read(TypeSpec type) => $"reader.TryReadNil() ? null : ({type.FullyQualifiedName}){Value(type).Read(type.Arguments[0])}";

    public override string Formatter(TypeSpec type) =>
        $"new {Serialization}NullableFormatter<{type.Arguments[0].FullyQualifiedName}>({WireTypeTable.Formatter(type.Arguments[0])})";

    public override string AppendKey(TypeSpec type, string expression, string local) =>
        $"if ({expression} is {{ }} {local}) key.Append({Value(type).KeyValue(type.Arguments[0], local)}); else key.AppendNull();";

    private static WireType Value(TypeSpec type) => WireTypeTable.For(type.Arguments[0].Kind);
}
