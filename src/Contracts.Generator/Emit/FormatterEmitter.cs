using System.Collections.Generic;
using System.Linq;
using Contracts.Generator.Emit.WireTypes;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;

namespace Contracts.Generator.Emit;

/// <summary>
/// Writes the MessagePack formatter of a record or class: array form, one index per member. A reader skips
/// indices it does not know and leaves missing ones at their defaults, so old and new versions interoperate.
/// </summary>
internal static class FormatterEmitter
{
    private const string Formatters = WireType.MessagePackFormatters;
    private const string Ours = WireType.Serialization;

    public static void Emit(SourceWriter w, ObjectSpec spec, string summaryType)
    {
        string type = spec.FullyQualifiedName;
        w.Line($"/// <summary>Reads and writes <see cref=\"{summaryType}\"/> in the Contracts wire format.</summary>");
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Line(Header.GeneratedCode);
        using (w.Block($"private sealed class {spec.FormatterName} : {Formatters}IMessagePackFormatter<{type}>"))
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
            var byIndex = spec.Members.ToDictionary(static m => m.Index);
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
                            w.Line($"case {member.Index}: {LocalName(member)} = {ReadValue(member.Type, FieldName(member))}{NilCheck(spec, member)}; break;");
                        }

                        w.Line($"default: {Ours}WireFormat.Skip(ref reader); break;");
                    }
                }

                w.Line();
                string arguments = string.Join(", ", spec.Members.Where(static m => m.ParameterOrdinal >= 0).OrderBy(static m => m.ParameterOrdinal).Select(LocalName));
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

    /// <summary>
    /// A reference member declared not nullable refuses nil, so a handler never meets the null it was promised would
    /// not come. A member an older writer did not send still keeps its default (see docs/architecture.md).
    /// </summary>
    private static string NilCheck(ObjectSpec spec, MemberSpec member) => member.Type.RejectsNil
        ? $" ?? throw {Ours}WireFormat.NilMember(\"{spec.FullyQualifiedName.Replace("global::", "")}\", \"{member.Name}\")"
        : "";

    private static string FieldName(MemberSpec member) => $"__{member.Name}Formatter";

    private static string LocalName(MemberSpec member) => $"__{member.Name}";

    /// <summary>Scalars and nested objects are written in place; collections go through a composed formatter field.</summary>
    private static bool IsInline(TypeSpec type) => WireTypeTable.For(type.Kind).IsInline(type);

    private static void WriteValue(SourceWriter w, TypeSpec type, string expression, string field, string valueLocal) =>
        w.Line(IsInline(type)
            ? WireTypeTable.For(type.Kind).Write(type, expression, valueLocal)
            : $"{field}.Serialize(ref writer, {expression}, options);");

    private static string ReadValue(TypeSpec type, string field) =>
        IsInline(type) ? WireTypeTable.For(type.Kind).Read(type) : $"{field}.Deserialize(ref reader, options)";

    /// <summary>
    /// Whether <see cref="FormatterExpression"/> of <paramref name="type"/> uses MessagePack's string or byte array formatter,
    /// declared for <c>string?</c> and <c>byte[]?</c> where the generated code names <c>string</c> and <c>byte[]</c>.
    /// </summary>
    public static bool HasNullableMismatch(TypeSpec type)
    {
        if (WireTypeTable.For(type.Kind).HasNullableMismatch)
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
    public static string FormatterExpression(TypeSpec type) => WireTypeTable.Formatter(type);
}
