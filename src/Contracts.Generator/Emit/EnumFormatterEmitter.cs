using Contracts.Generator.Model;

namespace Contracts.Generator.Emit;

/// <summary>
/// Writes the formatter of an enum a contract uses: its number, written as the underlying integer and read back at the
/// underlying type's width (MessagePack refuses one that does not fit), then held against the enum's defined values.
/// </summary>
internal static class EnumFormatterEmitter
{
    public static void Emit(SourceWriter w, EnumSpec spec)
    {
        string type = spec.FullyQualifiedName;
        string name = type.Replace("global::", "");
        w.Line(spec.Check is null
            ? $"/// <summary>Reads and writes <see cref=\"{name}\"/> as its number.</summary>"
            : $"/// <summary>Reads and writes <see cref=\"{name}\"/> as its number; a number it does not define is refused.</summary>");
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Line(Header.GeneratedCode);
        using (w.Block($"private sealed class {spec.FormatterName} : global::MessagePack.Formatters.IMessagePackFormatter<{type}>"))
        {
            w.Line($"public static readonly {spec.FormatterName} Instance = new();");
            w.Line();
            w.Line($"public void Serialize(ref global::MessagePack.MessagePackWriter writer, {type} value, global::MessagePack.MessagePackSerializerOptions options) => writer.Write(({(spec.Signed ? "long" : "ulong")})value);");
            w.Line();
            string signature = $"public {type} Deserialize(ref global::MessagePack.MessagePackReader reader, global::MessagePack.MessagePackSerializerOptions options)";
            if (spec.Check is null)
            {
                w.Line($"{signature} => ({type})reader.{spec.ReadMethod}();");
                return;
            }

            using (w.Block(signature))
            {
                w.Line($"{Keyword(spec.ReadMethod)} value = reader.{spec.ReadMethod}();");
                w.Line($"return {spec.Check} ? ({type})value : throw global::Contracts.Serialization.WireFormat.UndefinedEnum(\"{name}\", value);");
            }
        }
    }

    private static string Keyword(string readMethod) => readMethod switch
    {
        "ReadByte" => "byte",
        "ReadSByte" => "sbyte",
        "ReadInt16" => "short",
        "ReadUInt16" => "ushort",
        "ReadUInt32" => "uint",
        "ReadInt64" => "long",
        "ReadUInt64" => "ulong",
        _ => "int",
    };
}
