using System.Linq;
using Contracts.CodeAnalysis;
using Contracts.Generator.Emit;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator;

/// <summary>
/// The saga part of the pipeline: [Saga] classes found by their attribute, parsed into specs (with their diagnostics),
/// one partial emitted per saga, and for the module: the sorted names of those generated (it registers them) and
/// their steps (its manifest lists them).
/// </summary>
internal static class SagaPipeline
{
    public static IncrementalValueProvider<(EquatableArray<string> Names, EquatableArray<string> Steps)> Register(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<SagaParse> parses = context.SyntaxProvider.ForAttributeWithMetadataName(
            SagaRules.SagaAttribute,
            static (node, _) => node is ClassDeclarationSyntax,
            static (ctx, ct) => SagaParser.Parse(ctx, ct));
        ContractsGenerator.ReportDiagnostics(context, parses.Select(static (p, _) => p.Diagnostics));
        IncrementalValuesProvider<SagaSpec> sagas = parses
            .Where(static parse => parse.Spec is not null)
            .Select(static (parse, _) => parse.Spec!)
            .WithTrackingName(ContractsGeneratorSteps.Sagas);
        context.RegisterSourceOutput(sagas, static (spc, spec) => Emit(spc, spec));
        return sagas
            .Collect()
            .Select(static (specs, _) => (Names(specs), Steps(specs)));
    }

    private static EquatableArray<string> Names(System.Collections.Immutable.ImmutableArray<SagaSpec> specs) =>
        specs.Select(static s => s.FullyQualifiedName).Distinct().OrderBy(static n => n, System.StringComparer.Ordinal).ToEquatableArray();

    /// <summary>"kind\tmessage\tsaga" per step of every saga, for the module's manifest.</summary>
    private static EquatableArray<string> Steps(System.Collections.Immutable.ImmutableArray<SagaSpec> specs)
    {
        var steps = new System.Collections.Generic.List<string>();
        foreach (SagaSpec spec in specs)
        {
            foreach (SagaStepSpec step in spec.Steps)
            {
                steps.Add((step.IsCommand ? "Command\t" : "Event\t") + step.MessageType + "\t" + spec.FullyQualifiedName);
            }
        }

        return steps.Distinct().OrderBy(static n => n, System.StringComparer.Ordinal).ToEquatableArray();
    }

    private static void Emit(SourceProductionContext context, SagaSpec spec)
    {
        string source;
        try
        {
            source = SagaEmitter.Emit(spec);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort: an empty registration, so the module still compiles, and one diagnostic instead of CS8785.
            context.ReportDiagnostic(Diagnostic.Create(ContractsGenerator.GeneratorError, Location.None, spec.Name, $"{ex.GetType().Name}: {ex.Message}"));
            source = SagaEmitter.EmitEmpty(spec);
        }

        context.AddSource(spec.HintName, source);
    }
}
