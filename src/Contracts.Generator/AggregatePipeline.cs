using Contracts.CodeAnalysis;
using Contracts.Generator.Emit;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator;

/// <summary>
/// The aggregate part of the pipeline: [Aggregate] classes found by their attribute, parsed into specs (with their
/// diagnostics), one partial emitted per aggregate. Aggregates need no module registration: IAggregateStore reaches
/// everything through the generated static definition.
/// </summary>
internal static class AggregatePipeline
{
    public static void Register(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<AggregateParse> parses = context.SyntaxProvider.ForAttributeWithMetadataName(
            AggregateRules.AggregateAttribute,
            static (node, _) => node is ClassDeclarationSyntax,
            static (ctx, ct) => AggregateParser.Parse(ctx, ct));
        ContractsGenerator.ReportDiagnostics(context, parses.Select(static (p, _) => p.Diagnostics));
        IncrementalValuesProvider<AggregateSpec> aggregates = parses
            .Where(static parse => parse.Spec is not null)
            .Select(static (parse, _) => parse.Spec!)
            .WithTrackingName(ContractsGeneratorSteps.Aggregates);
        context.RegisterSourceOutput(aggregates, static (spc, spec) => Emit(spc, spec));
    }

    private static void Emit(SourceProductionContext context, AggregateSpec spec)
    {
        string source;
        try
        {
            source = AggregateEmitter.Emit(spec);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort: one diagnostic instead of CS8785, and no partial (the aggregate's callers then fail to bind it).
            context.ReportDiagnostic(Diagnostic.Create(ContractsGenerator.GeneratorError, Location.None, spec.Name, $"{ex.GetType().Name}: {ex.Message}"));
            return;
        }

        context.AddSource(spec.HintName, source);
    }
}
