using System.Collections.Generic;
using System.Globalization;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;

namespace Contracts.Generator.Emit;

/// <summary>
/// Writes a contract's upcasts ([UpcastFrom]): per older version a static <c>Upcast(older)</c> that copies the members
/// the parser matched and gives the others their defaults, then calls the partial hook <c>OnUpcast(older, ref upcast)</c>
/// the user may implement; and the descriptor argument that registers them.
/// </summary>
internal static class UpcastEmitter
{
    /// <summary>The descriptor's <c>upcasts:</c> argument, or empty when the contract reads no older version.</summary>
    public static string DescriptorArgument(ContractSpec spec)
    {
        if (spec.Upcasts.Count == 0)
        {
            return "";
        }

        var items = new List<string>(spec.Upcasts.Count);
        for (int i = 0; i < spec.Upcasts.Count; i++)
        {
            items.Add($"new global::Contracts.ContractUpcast<{spec.Upcasts[i].OlderType}, {spec.FullyQualifiedName}>(static older => Upcast(older))");
        }

        return ", upcasts: [" + string.Join(", ", items) + "]";
    }

    public static void Emit(SourceWriter w, ContractSpec spec)
    {
        if (spec.Upcasts.Count == 0)
        {
            return;
        }

        string type = spec.FullyQualifiedName;
        w.Line();
        w.Line("#nullable disable warnings");
        for (int u = 0; u < spec.Upcasts.Count; u++)
        {
            UpcastSpec upcast = spec.Upcasts[u];
            string version = upcast.OlderVersion.ToString(CultureInfo.InvariantCulture);
            string older = upcast.OlderType.Replace("global::", "");
            w.Line($"/// <summary>Reads a message of version {version} (<see cref=\"{older}\"/>) as this version: members of the same name are copied, the others take their defaults, then <c>OnUpcast</c> may finish it.</summary>");
            w.Line(Header.GeneratedCode);
            using (w.Block($"public static {type} Upcast({upcast.OlderType} older)"))
            {
                var arguments = new List<(int Ordinal, string Value)>();
                var initialized = new List<string>();
                for (int i = 0; i < spec.Shape.Members.Count; i++)
                {
                    MemberSpec member = spec.Shape.Members[i];
                    string source = upcast.Sources[i];
                    string value = source.Length > 0 ? "older." + TypeNames.Escape(source) : member.DefaultValue ?? "default";
                    if (member.ParameterOrdinal >= 0)
                    {
                        arguments.Add((member.ParameterOrdinal, value));
                    }

                    if ((member.ParameterOrdinal < 0 && source.Length > 0) || member.IsRequired)
                    {
                        initialized.Add($"{TypeNames.Escape(member.Name)} = {value},");
                    }
                }

                arguments.Sort(static (a, b) => a.Ordinal.CompareTo(b.Ordinal));
                var values = new List<string>(arguments.Count);
                foreach ((int _, string value) in arguments)
                {
                    values.Add(value);
                }

                if (initialized.Count == 0)
                {
                    w.Line($"{type} upcast = new {type}({string.Join(", ", values)});");
                }
                else
                {
                    w.Line($"{type} upcast = new {type}({string.Join(", ", values)})");
                    w.Line("{");
                    foreach (string line in initialized)
                    {
                        w.Line("    " + line);
                    }

                    w.Line("};");
                }

                w.Line("OnUpcast(older, ref upcast);");
                w.Line("return upcast;");
            }

            w.Line();
            w.Line($"/// <summary>Implement to finish an upcast from version {version}: set what <see cref=\"{older}\"/> lacks or holds differently (<c>static partial void OnUpcast({older} older, ref {spec.Name} upcast)</c>).</summary>");
            w.Line($"static partial void OnUpcast({upcast.OlderType} older, ref {type} upcast);");
            if (u < spec.Upcasts.Count - 1)
            {
                w.Line();
            }
        }

        w.Line("#nullable restore warnings");
    }
}
