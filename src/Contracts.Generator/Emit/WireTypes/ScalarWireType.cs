using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>A value MessagePack writes natively (<c>writer.Write</c>): bool, the integers, float, double, char, string and byte[].</summary>
internal sealed class ScalarWireType(string read, string formatter, bool hasNullableMismatch = false) : WireType
{
    /// <summary>A MessagePack primitive: <c>reader.Read{name}()</c> and <c>{name}Formatter</c>.</summary>
    public static ScalarWireType Primitive(string name) => new($"reader.Read{name}()", MessagePackFormatters + name + "Formatter.Instance");

    public override bool HasNullableMismatch => hasNullableMismatch;

    public override string Write(TypeSpec type, string expression, string local) => $"writer.Write({expression});";

    public override string Read(TypeSpec type) => read;

    public override string Formatter(TypeSpec type) => formatter;
}
