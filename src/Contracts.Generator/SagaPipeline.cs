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
/// one partial emitted per saga, and the sorted names of those generated, which the module registers.
/// </summary>
internal static class SagaPipeline
{
    public static IncrementalValueProvider<EquatableArray<string>> Register(IncrementalGeneratorInitializationContext context)
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
        return sagas.Select(static (spec, _) => spec.FullyQualifiedName)
            .Collect()
            .Select(static (names, _) => names.Distinct().OrderBy(static n => n, System.StringComparer.Ordinal).ToEquatableArray());
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
