using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>
/// An enum, on the wire as its number: written in place, read through the formatter generated for it beside the
/// contract's, which refuses a number the enum does not define (see <see cref="EnumFormatterEmitter"/>).
/// </summary>
internal sealed class EnumWireType : WireType
{
    public override string Write(TypeSpec type, string expression, string local) => $"writer.Write({Number(type, expression)});";

    public override string Read(TypeSpec type) => $"{type.NestedFormatter}.Instance.Deserialize(ref reader, options)";

    public override string Formatter(TypeSpec type) => $"{type.NestedFormatter}.Instance";

    public override string KeyValue(TypeSpec type, string expression) => Number(type, expression);

    private static string Number(TypeSpec type, string expression) => $"({(type.EnumSigned ? "long" : "ulong")}){expression}";
}
