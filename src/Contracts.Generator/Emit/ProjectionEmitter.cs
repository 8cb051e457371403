using System.Collections.Generic;
using System.Linq;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;

namespace Contracts.Generator.Emit;

/// <summary>
/// Writes a projection's partial: <c>IProjectionDefinition&lt;TSelf&gt;</c> with its descriptor (name, events read,
/// factory, a type switch that calls each step directly, the reset of a rebuildable one), which
/// <c>o.Projections.Add&lt;T&gt;</c> reaches by static dispatch.
/// </summary>
internal static class ProjectionEmitter
{
    public static string Emit(ProjectionSpec spec) => Write(spec, withEvents: true);

    /// <summary>The generator's fallback: a descriptor that reads nothing, so the user's registration still compiles.</summary>
    public static string EmitEmpty(ProjectionSpec spec) => Write(spec, withEvents: false);

    private static string Write(ProjectionSpec spec, bool withEvents)
    {
        var w = new SourceWriter();
        Header.Write(w);
        PartialFrame.Open(w, spec.Namespace, spec.Containers);

        string definition = $"global::Contracts.Projections.IProjectionDefinition<{spec.FullyQualifiedName}>";
        w.Open($"partial class {TypeNames.Escape(spec.Name)} : {definition}");
        w.Line("/// <summary>The projection's registration: its name, the events it reads, its factory and one direct call per event.</summary>");
        w.Line(Header.GeneratedCode);
        w.Line($"static global::Contracts.Projections.ProjectionDescriptor {definition}.Projection {{ get; }} = new(");
        w.Line($"    \"{ContractEmitter.Escape(spec.ProjectionName)}\",");
        w.Line($"    typeof({spec.FullyQualifiedName}),");
        IEnumerable<string> events = withEvents ? spec.Events : Enumerable.Empty<string>();
        string handled = string.Join(", ", events.Select(static e => $"global::Contracts.Projections.ProjectionDescriptor.Contract<{e}>()"));
        w.Line($"    new global::Contracts.ContractDescriptor[] {{ {handled} }},");
        w.Line($"    {Factory(spec)},");
        if (!withEvents || spec.Events.Count == 0)
        {
            w.Line("    static (projection, recorded, context, cancellationToken) => default,");
        }
        else
        {
            w.Line("    static (projection, recorded, context, cancellationToken) => recorded.Event switch");
            w.Line("    {");
            foreach (string e in spec.Events)
            {
                w.Line($"        {e} e => ((global::Contracts.IProjection<{e}>)projection).ProjectAsync(e, context, cancellationToken),");
            }

            w.Line("        _ => default,");
            w.Line("    },");
        }

        w.Line(spec.Rebuildable
            ? "    static (projection, context, cancellationToken) => ((global::Contracts.IRebuildableProjection)projection).ResetAsync(context, cancellationToken));"
            : "    null);");
        PartialFrame.Close(w, spec.Namespace, spec.Containers);

        return w.ToString();
    }

    private static string Factory(ProjectionSpec spec)
    {
        if (spec.Constructor is not { } parameters)
        {
            // Several public constructors: the application registers the projection in DI.
            return $"static services => global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<{spec.FullyQualifiedName}>(services)";
        }

        IEnumerable<string> arguments = parameters.Select(static p => p.Optional
            ? $"global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetService<{p.Type}>(services)"
            : $"global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<{p.Type}>(services)");
        return $"static services => new {spec.FullyQualifiedName}({string.Join(", ", arguments)})";
    }
}
