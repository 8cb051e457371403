using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>A type the rules reject; a contract holding one is never generated, so this only keeps the table total.</summary>
internal sealed class UnsupportedWireType : WireType
{
    public override bool IsScalar => false;

    public override string Write(TypeSpec type, string expression, string local) => $"writer.Write({expression});";

    public override string Read(TypeSpec type) => $"throw new global::System.NotSupportedException(\"{type.FullyQualifiedName}\")";

    public override string Formatter(TypeSpec type) => "null";
}
