using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>A user record or class, through the formatter generated for it beside the contract's.</summary>
internal sealed class ObjectWireType : WireType
{
    public override bool IsScalar => false;

    public override string Write(TypeSpec type, string expression, string local) => $"{type.NestedFormatter}.Instance.Serialize(ref writer, {expression}, options);";

    public override string Read(TypeSpec type) => $"{type.NestedFormatter}.Instance.Deserialize(ref reader, options)";

    public override string Formatter(TypeSpec type) => $"{type.NestedFormatter}.Instance";
}
