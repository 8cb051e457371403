using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>A value with a fixed Contracts encoding (Guid, decimal, dates and times): <c>WireFormat.Write{name}</c>, <c>Read{name}</c> and <c>{name}Formatter</c>.</summary>
internal sealed class WireFormatWireType(string name, string? typeName) : WireType
{
    public override string? TypeName => typeName;

    public override string Write(TypeSpec type, string expression, string local) => $"{Serialization}WireFormat.Write{name}(ref writer, {expression});";

    public override string Read(TypeSpec type) => $"{Serialization}WireFormat.Read{name}(ref reader)";

    public override string Formatter(TypeSpec type) => $"{Serialization}{name}Formatter.Instance";
}
