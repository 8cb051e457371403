using System.Collections.Generic;
using System.Collections.Immutable;
using Contracts.CodeAnalysis;
using Contracts.Generator.Emit;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator;

/// <summary>
/// The projection part of the pipeline: [Projection] classes found by their attribute, parsed into specs (with their
/// diagnostics), one partial emitted per projection, and CTR058 for two projections of one name in this compilation.
/// </summary>
internal static class ProjectionPipeline
{
    public static void Register(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ProjectionParse> parses = context.SyntaxProvider.ForAttributeWithMetadataName(
            ProjectionRules.ProjectionAttribute,
            static (node, _) => node is ClassDeclarationSyntax,
            static (ctx, ct) => ProjectionParser.Parse(ctx, ct));
        ContractsGenerator.ReportDiagnostics(context, parses.Select(static (p, _) => p.Diagnostics));
        IncrementalValuesProvider<ProjectionSpec> projections = parses
            .Where(static parse => parse.Spec is not null)
            .Select(static (parse, _) => parse.Spec!)
            .WithTrackingName(ContractsGeneratorSteps.Projections);
        context.RegisterSourceOutput(projections, static (spc, spec) => Emit(spc, spec));
        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> clashes = parses
            .Where(static parse => parse.Spec is not null)
            .Collect()
            .Select(static (named, _) => Clashes(named));
        context.RegisterSourceOutput(clashes.Combine(context.CompilationProvider), static (spc, input) =>
        {
            foreach (DiagnosticInfo info in input.Left)
            {
                spc.ReportDiagnostic(Diagnostics.GeneratorDiagnostics.Create(info, input.Right));
            }
        });
    }

    private static EquatableArray<DiagnosticInfo> Clashes(ImmutableArray<ProjectionParse> parses)
    {
        var byName = new Dictionary<string, List<ProjectionParse>>(System.StringComparer.Ordinal);
        foreach (ProjectionParse parse in parses)
        {
            ProjectionSpec spec = parse.Spec!;
            if (!byName.TryGetValue(spec.ProjectionName, out List<ProjectionParse>? same))
            {
                byName[spec.ProjectionName] = same = [];
            }

            same.Add(parse);
        }

        var clashes = new List<DiagnosticInfo>();
        foreach (KeyValuePair<string, List<ProjectionParse>> entry in byName)
        {
            if (entry.Value.Count < 2)
            {
                continue;
            }

            entry.Value.Sort(static (a, b) => string.CompareOrdinal(a.Spec!.FullyQualifiedName, b.Spec!.FullyQualifiedName));
            var names = new List<string>(entry.Value.Count);
            foreach (ProjectionParse parse in entry.Value)
            {
                names.Add(parse.Spec!.FullyQualifiedName.Replace("global::", ""));
            }

            foreach (ProjectionParse parse in entry.Value)
            {
                string detail = $"projections {string.Join(", ", names)} are all named '{entry.Key}'; a name keys one checkpoint, so give each its own with [Projection(Name = \"...\")]";
                clashes.Add(new DiagnosticInfo(DiagnosticIds.ProjectionNameClash, parse.Location, new EquatableArray<string>(ImmutableArray.Create(detail)), null));
            }
        }

        clashes.Sort(static (a, b) => string.CompareOrdinal(a.Arguments[0] + a.Location, b.Arguments[0] + b.Location));
        return clashes.ToEquatableArray();
    }

    private static void Emit(SourceProductionContext context, ProjectionSpec spec)
    {
        string source;
        try
        {
            source = ProjectionEmitter.Emit(spec);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort: a descriptor that reads nothing, so the registration still compiles, and one diagnostic instead of CS8785.
            context.ReportDiagnostic(Diagnostic.Create(ContractsGenerator.GeneratorError, Location.None, spec.Name, $"{ex.GetType().Name}: {ex.Message}"));
            source = ProjectionEmitter.EmitEmpty(spec);
        }

        context.AddSource(spec.HintName, source);
    }
}
