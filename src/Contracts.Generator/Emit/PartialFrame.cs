using Contracts.Generator.Model;
using Contracts.Generator.Parsing;

namespace Contracts.Generator.Emit;

/// <summary>
/// What every partial the generator writes for a user's type shares: the namespace and containing types around it,
/// and the formatters of the types a contract's or a state's members use.
/// </summary>
internal static class PartialFrame
{
    /// <summary>Opens the namespace (when there is one) and the partials of the types that contain the user's type.</summary>
    public static void Open(SourceWriter w, string ns, EquatableArray<ContainerSpec> containers)
    {
        if (ns.Length > 0)
        {
            w.Open($"namespace {ns}");
        }

        foreach (ContainerSpec container in containers)
        {
            w.Open($"partial {container.Keyword} {TypeNames.Escape(container.Name)}");
        }
    }

    /// <summary>Closes the user's type, then what <see cref="Open"/> opened.</summary>
    public static void Close(SourceWriter w, string ns, EquatableArray<ContainerSpec> containers)
    {
        w.Close();
        for (int i = 0; i < containers.Count; i++)
        {
            w.Close();
        }

        if (ns.Length > 0)
        {
            w.Close();
        }
    }

    /// <summary>
    /// A saga's or an aggregate's state formatter member (<paramref name="declaration"/> followed by the formatter
    /// expression), with nullable warnings off where the state's nullability and the wire's disagree.
    /// </summary>
    public static void StateFormatter(SourceWriter w, TypeSpec state, string summary, string declaration)
    {
        bool warningsOff = FormatterEmitter.HasNullableMismatch(state);
        w.Line($"/// <summary>{summary}</summary>");
        if (warningsOff)
        {
            w.Line("#nullable disable warnings");
        }

        w.Line(Header.GeneratedCode);
        w.Line($"{declaration}{FormatterEmitter.FormatterExpression(state)};");
        if (warningsOff)
        {
            w.Line("#nullable restore warnings");
        }
    }

    /// <summary>The formatters of the nested records and enums a state uses, with nullable warnings off; nothing when there are none.</summary>
    public static void NestedFormatters(SourceWriter w, EquatableArray<ObjectSpec> objects, EquatableArray<EnumSpec> enums)
    {
        if (objects.Count == 0 && enums.Count == 0)
        {
            return;
        }

        w.Line();
        w.Line("#nullable disable warnings");
        NestedFormatterBodies(w, objects, enums);
        w.Line("#nullable restore warnings");
    }

    /// <summary>The formatters of nested records and enums, each after a blank line (the caller has turned warnings off).</summary>
    public static void NestedFormatterBodies(SourceWriter w, EquatableArray<ObjectSpec> objects, EquatableArray<EnumSpec> enums)
    {
        foreach (ObjectSpec nested in objects)
        {
            w.Line();
            FormatterEmitter.Emit(w, nested, nested.FullyQualifiedName.Replace("global::", ""));
        }

        foreach (EnumSpec nested in enums)
        {
            w.Line();
            EnumFormatterEmitter.Emit(w, nested);
        }
    }
}
