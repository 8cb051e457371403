using System.Collections.Generic;
using System.Linq;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;

namespace Contracts.Generator.Emit;

/// <summary>
/// Writes the MessagePack formatter of a record or class: array form, one index per member. A reader skips
/// indices it does not know and leaves missing ones at their defaults, so old and new versions interoperate.
/// </summary>
internal static class FormatterEmitter
{
    private const string Formatters = "global::MessagePack.Formatters.";
    private const string Ours = "global::Contracts.Serialization.";

    public static void Emit(SourceWriter w, ObjectSpec spec, string summaryType)
    {
        string type = spec.FullyQualifiedName;
        w.Line($"/// <summary>Reads and writes <see cref=\"{summaryType}\"/> in the Contracts wire format.</summary>");
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Line(Header.GeneratedCode);
        using (w.Block($"internal sealed class {spec.FormatterName} : {Formatters}IMessagePackFormatter<{type}>"))
        {
            w.Line($"public static readonly {spec.FormatterName} Instance = new();");
            foreach (MemberSpec member in spec.Members)
            {
                if (!IsInline(member.Type))
                {
                    w.Line($"private static readonly {Formatters}IMessagePackFormatter<{member.Type.FullyQualifiedName}> {FieldName(member)} = {FormatterExpression(member.Type)};");
                }
            }

            w.Line();
            EmitSerialize(w, spec);
            w.Line();
            EmitDeserialize(w, spec);
        }
    }

    private static void EmitSerialize(SourceWriter w, ObjectSpec spec)
    {
        using (w.Block($"public void Serialize(ref global::MessagePack.MessagePackWriter writer, {spec.FullyQualifiedName} value, global::MessagePack.MessagePackSerializerOptions options)"))
        {
            if (!spec.IsValueType)
            {
                using (w.Block("if (value is null)"))
                {
                    w.Line("writer.WriteNil();");
                    w.Line("return;");
                }

                w.Line();
            }

            w.Line($"writer.WriteArrayHeader({spec.Length});");
            var byIndex = spec.Members.ToDictionary(m => m.Index);
            for (int i = 0; i < spec.Length; i++)
            {
                if (byIndex.TryGetValue(i, out MemberSpec? member))
                {
                    WriteValue(w, member.Type, $"value.{TypeNames.Escape(member.Name)}", FieldName(member), $"__{member.Name}Value");
                }
                else
                {
                    w.Line("writer.WriteNil(); // unused index");
                }
            }
        }
    }

    private static void EmitDeserialize(SourceWriter w, ObjectSpec spec)
    {
        using (w.Block($"public {spec.FullyQualifiedName} Deserialize(ref global::MessagePack.MessagePackReader reader, global::MessagePack.MessagePackSerializerOptions options)"))
        {
            using (w.Block("if (reader.TryReadNil())"))
            {
                w.Line(spec.IsValueType ? $"throw {Ours}WireFormat.NilValue(\"{spec.FullyQualifiedName.Replace("global::", "")}\");" : "return null;");
            }

            w.Line();
            w.Line($"{Ours}WireFormat.EnterDepth(ref reader);");
            using (w.Block("try"))
            {
                foreach (MemberSpec member in spec.Members)
                {
                    w.Line($"{member.Type.FullyQualifiedName} {LocalName(member)} = {member.DefaultValue ?? "default"};");
                }

                w.Line("int count = reader.ReadArrayHeader();");
                using (w.Block("for (int i = 0; i < count; i++)"))
                {
                    using (w.Block("switch (i)"))
                    {
                        foreach (MemberSpec member in spec.Members)
                        {
                            w.Line($"case {member.Index}: {LocalName(member)} = {ReadValue(member.Type, FieldName(member))}; break;");
                        }

                        w.Line($"default: {Ours}WireFormat.Skip(ref reader); break;");
                    }
                }

                w.Line();
                string arguments = string.Join(", ", spec.Members.Where(m => m.ParameterOrdinal >= 0).OrderBy(m => m.ParameterOrdinal).Select(LocalName));
                // A required member is always set in the initializer, even when a constructor parameter names it too
                // (without [SetsRequiredMembers] the compiler demands it; with it, setting it again is harmless).
                MemberSpec[] initialized = spec.Members.Where(static m => m.ParameterOrdinal < 0 || m.IsRequired).ToArray();
                if (initialized.Length == 0)
                {
                    w.Line($"return new {spec.FullyQualifiedName}({arguments});");
                }
                else
                {
                    w.Line($"return new {spec.FullyQualifiedName}({arguments})");
                    w.Line("{");
                    foreach (MemberSpec member in initialized)
                    {
                        w.Line($"    {TypeNames.Escape(member.Name)} = {LocalName(member)},");
                    }

                    w.Line("};");
                }
            }

            using (w.Block("finally"))
            {
                w.Line("reader.Depth--;");
            }
        }
    }

    private static string FieldName(MemberSpec member) => $"__{member.Name}Formatter";

    private static string LocalName(MemberSpec member) => $"__{member.Name}";

    /// <summary>Scalars and nested objects are written in place; collections go through a composed formatter field.</summary>
    private static bool IsInline(TypeSpec type) => type.Kind switch
    {
        WireKind.Array or WireKind.List or WireKind.ReadOnlyList or WireKind.ImmutableArray or WireKind.Dictionary or WireKind.ReadOnlyDictionary => false,
        WireKind.Nullable => IsScalar(type.Arguments[0]),
        _ => true,
    };

    private static bool IsScalar(TypeSpec type) => type.Kind is not (WireKind.Array or WireKind.List or WireKind.ReadOnlyList or WireKind.ImmutableArray
        or WireKind.Dictionary or WireKind.ReadOnlyDictionary or WireKind.Nullable or WireKind.Object or WireKind.Unsupported);

    private static void WriteValue(SourceWriter w, TypeSpec type, string expression, string field, string valueLocal)
    {
        if (!IsInline(type))
        {
            w.Line($"{field}.Serialize(ref writer, {expression}, options);");
            return;
        }

        if (type.Kind == WireKind.Nullable)
        {
            // One line per index, like the reader's switch.
            w.Line($"if ({expression} is {{ }} {valueLocal}) {WriteScalar(type.Arguments[0], valueLocal)} else writer.WriteNil();");
            return;
        }

        w.Line(WriteScalar(type, expression));
    }

    private static string WriteScalar(TypeSpec type, string expression) => type.Kind switch
    {
        WireKind.Guid => $"{Ours}WireFormat.WriteGuid(ref writer, {expression});",
        WireKind.Decimal => $"{Ours}WireFormat.WriteDecimal(ref writer, {expression});",
        WireKind.DateTime => $"{Ours}WireFormat.WriteDateTime(ref writer, {expression});",
        WireKind.DateTimeOffset => $"{Ours}WireFormat.WriteDateTimeOffset(ref writer, {expression});",
        WireKind.TimeSpan => $"{Ours}WireFormat.WriteTimeSpan(ref writer, {expression});",
        WireKind.DateOnly => $"{Ours}WireFormat.WriteDateOnly(ref writer, {expression});",
        WireKind.TimeOnly => $"{Ours}WireFormat.WriteTimeOnly(ref writer, {expression});",
        WireKind.Enum => $"writer.Write(({(type.EnumSigned ? "long" : "ulong")}){expression});",
        WireKind.Object => $"{type.ObjectFormatter}.Instance.Serialize(ref writer, {expression}, options);",
        _ => $"writer.Write({expression});",
    };

    private static string ReadValue(TypeSpec type, string field)
    {
        if (!IsInline(type))
        {
            return $"{field}.Deserialize(ref reader, options)";
        }

        if (type.Kind == WireKind.Nullable)
        {
            return $"reader.TryReadNil() ? null : ({type.FullyQualifiedName}){ReadScalar(type.Arguments[0])}";
        }

        return ReadScalar(type);
    }

    private static string ReadScalar(TypeSpec type) => type.Kind switch
    {
        WireKind.Boolean => "reader.ReadBoolean()",
        WireKind.Byte => "reader.ReadByte()",
        WireKind.SByte => "reader.ReadSByte()",
        WireKind.Int16 => "reader.ReadInt16()",
        WireKind.UInt16 => "reader.ReadUInt16()",
        WireKind.Int32 => "reader.ReadInt32()",
        WireKind.UInt32 => "reader.ReadUInt32()",
        WireKind.Int64 => "reader.ReadInt64()",
        WireKind.UInt64 => "reader.ReadUInt64()",
        WireKind.Single => "reader.ReadSingle()",
        WireKind.Double => "reader.ReadDouble()",
        WireKind.Char => "reader.ReadChar()",
        WireKind.String => "reader.ReadString()",
        WireKind.ByteArray => $"{Ours}WireFormat.ReadByteArray(ref reader)",
        WireKind.Guid => $"{Ours}WireFormat.ReadGuid(ref reader)",
        WireKind.Decimal => $"{Ours}WireFormat.ReadDecimal(ref reader)",
        WireKind.DateTime => $"{Ours}WireFormat.ReadDateTime(ref reader)",
        WireKind.DateTimeOffset => $"{Ours}WireFormat.ReadDateTimeOffset(ref reader)",
        WireKind.TimeSpan => $"{Ours}WireFormat.ReadTimeSpan(ref reader)",
        WireKind.DateOnly => $"{Ours}WireFormat.ReadDateOnly(ref reader)",
        WireKind.TimeOnly => $"{Ours}WireFormat.ReadTimeOnly(ref reader)",
        WireKind.Enum => $"({type.FullyQualifiedName})reader.{type.EnumReadMethod}()",
        WireKind.Object => $"{type.ObjectFormatter}.Instance.Deserialize(ref reader, options)",
        _ => $"throw new global::System.NotSupportedException(\"{type.FullyQualifiedName}\")",
    };

    /// <summary>
    /// Whether <see cref="FormatterExpression"/> of <paramref name="type"/> uses MessagePack's string or byte array formatter,
    /// declared for <c>string?</c> and <c>byte[]?</c> where the generated code names <c>string</c> and <c>byte[]</c>.
    /// </summary>
    public static bool HasNullableMismatch(TypeSpec type)
    {
        if (type.Kind is WireKind.String or WireKind.ByteArray)
        {
            return true;
        }

        foreach (TypeSpec argument in type.Arguments)
        {
            if (HasNullableMismatch(argument))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An expression for the formatter of <paramref name="type"/>: a shared instance, or collection formatters composed over their elements'.</summary>
    public static string FormatterExpression(TypeSpec type) => type.Kind switch
    {
        WireKind.Boolean => Formatters + "BooleanFormatter.Instance",
        WireKind.Byte => Formatters + "ByteFormatter.Instance",
        WireKind.SByte => Formatters + "SByteFormatter.Instance",
        WireKind.Int16 => Formatters + "Int16Formatter.Instance",
        WireKind.UInt16 => Formatters + "UInt16Formatter.Instance",
        WireKind.Int32 => Formatters + "Int32Formatter.Instance",
        WireKind.UInt32 => Formatters + "UInt32Formatter.Instance",
        WireKind.Int64 => Formatters + "Int64Formatter.Instance",
        WireKind.UInt64 => Formatters + "UInt64Formatter.Instance",
        WireKind.Single => Formatters + "SingleFormatter.Instance",
        WireKind.Double => Formatters + "DoubleFormatter.Instance",
        WireKind.Char => Formatters + "CharFormatter.Instance",
        WireKind.String => Formatters + "NullableStringFormatter.Instance",
        WireKind.ByteArray => Formatters + "ByteArrayFormatter.Instance",
        WireKind.Guid => Ours + "GuidFormatter.Instance",
        WireKind.Decimal => Ours + "DecimalFormatter.Instance",
        WireKind.DateTime => Ours + "DateTimeFormatter.Instance",
        WireKind.DateTimeOffset => Ours + "DateTimeOffsetFormatter.Instance",
        WireKind.TimeSpan => Ours + "TimeSpanFormatter.Instance",
        WireKind.DateOnly => Ours + "DateOnlyFormatter.Instance",
        WireKind.TimeOnly => Ours + "TimeOnlyFormatter.Instance",
        WireKind.Enum => $"new {Ours}EnumFormatter<{type.FullyQualifiedName}>(signed: {(type.EnumSigned ? "true" : "false")})",
        WireKind.Object => $"{type.ObjectFormatter}.Instance",
        WireKind.Nullable => $"new {Ours}NullableFormatter<{type.Arguments[0].FullyQualifiedName}>({FormatterExpression(type.Arguments[0])})",
        WireKind.Array => $"new {Ours}ArrayFormatter<{type.Arguments[0].FullyQualifiedName}>({FormatterExpression(type.Arguments[0])})",
        WireKind.List => $"new {Ours}ListFormatter<{type.Arguments[0].FullyQualifiedName}>({FormatterExpression(type.Arguments[0])})",
        WireKind.ReadOnlyList => $"new {Ours}ReadOnlyListFormatter<{type.Arguments[0].FullyQualifiedName}>({FormatterExpression(type.Arguments[0])})",
        WireKind.ImmutableArray => $"new {Ours}ImmutableArrayFormatter<{type.Arguments[0].FullyQualifiedName}>({FormatterExpression(type.Arguments[0])})",
        WireKind.Dictionary => $"new {Ours}DictionaryFormatter<{type.Arguments[0].FullyQualifiedName}, {type.Arguments[1].FullyQualifiedName}>({FormatterExpression(type.Arguments[0])}, {FormatterExpression(type.Arguments[1])})",
        WireKind.ReadOnlyDictionary => $"new {Ours}ReadOnlyDictionaryFormatter<{type.Arguments[0].FullyQualifiedName}, {type.Arguments[1].FullyQualifiedName}>({FormatterExpression(type.Arguments[0])}, {FormatterExpression(type.Arguments[1])})",
        _ => "null",
    };
}
