using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>An enum, on the wire as its number (read back with its underlying type's reader).</summary>
internal sealed class EnumWireType : WireType
{
    public override string Write(TypeSpec type, string expression, string local) => $"writer.Write({Number(type, expression)});";

    public override string Read(TypeSpec type) => $"({type.FullyQualifiedName})reader.{type.EnumReadMethod}()";

    public override string Formatter(TypeSpec type) =>
        $"new {Serialization}EnumFormatter<{type.FullyQualifiedName}>(signed: {(type.EnumSigned ? "true" : "false")})";

    public override string KeyValue(TypeSpec type, string expression) => Number(type, expression);

    private static string Number(TypeSpec type, string expression) => $"({(type.EnumSigned ? "long" : "ulong")}){expression}";
}
