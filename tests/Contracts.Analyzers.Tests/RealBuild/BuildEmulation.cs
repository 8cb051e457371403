using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>What a build printed: its warnings and errors, compiler's, generator's and analyzers' alike.</summary>
internal sealed record BuildOutput(ImmutableArray<Diagnostic> Diagnostics, bool AnalyzersRan)
{
    public IEnumerable<string> Ids => Diagnostics.Select(d => d.Id);

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    public override string ToString() => Diagnostics.IsEmpty
        ? "(no diagnostics)"
        : string.Join(Environment.NewLine, Diagnostics.Select(d => d.ToString()));
}

/// <summary>
/// Compiles one project the way <c>dotnet build</c> of a Contracts package user does, in process: the SDK's reference
/// pack and the runtime as references, the template's options (nullable, implicit usings, latest language), the
/// generator and every analyzer. It keeps the compiler's order, which the analyzer test harness does not: generators
/// run first and their diagnostics are always printed; then parse and declaration errors (CS0246 on a base list is
/// one) end the build before any analyzer runs; only a compilation without them runs the analyzers, its
/// compilation-end rules included. Hidden and info diagnostics are not printed by a build, so they are left out.
/// </summary>
internal static class BuildEmulation
{
    /// <summary>The SDK's implicit usings for a console or library project (ImplicitUsings=enable).</summary>
    public const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Parse);

    public static CSharpCompilation Compile(string assemblyName, IEnumerable<string> sources, IEnumerable<MetadataReference>? extraReferences = null) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Prepend(ImplicitUsings).Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, i == 0 ? $"obj/{assemblyName}.GlobalUsings.g.cs" : $"{assemblyName}/File{i}.cs")),
            ContractsTest.References.AddRange(extraReferences ?? []),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                deterministic: true,
                // The SDK's NoWarn.
                specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));

    /// <summary>Builds <paramref name="compilation"/> as csc does; <paramref name="output"/> is the compilation with generated code, for a referencing project.</summary>
    public static async Task<BuildOutput> BuildAsync(CSharpCompilation compilation, CancellationToken cancellationToken, Action<Compilation>? output = null)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ContractsGenerator().AsSourceGenerator()], parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out ImmutableArray<Diagnostic> generatorDiagnostics, cancellationToken);
        output?.Invoke(generated);

        var printed = new List<Diagnostic>(Effective(generated, generatorDiagnostics));

        // As CommonCompiler.CompileAndEmit: parse errors, then declaration errors, each end the build before analyzers.
        ImmutableArray<Diagnostic> declared = generated.GetParseDiagnostics(cancellationToken).AddRange(generated.GetDeclarationDiagnostics(cancellationToken));
        if (Effective(generated, declared).Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            printed.AddRange(Effective(generated, declared));
            return new BuildOutput(Sorted(printed), AnalyzersRan: false);
        }

        CompilationWithAnalyzers withAnalyzers = generated.WithAnalyzers(
            ContractsTest.AllAnalyzers,
            new CompilationWithAnalyzersOptions(AnalyzerOptions(), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false));

        // GetAllDiagnosticsAsync: the compiler's (method bodies included) and every analyzer's, compilation-end rules too.
        ImmutableArray<Diagnostic> all = await withAnalyzers.GetAllDiagnosticsAsync(cancellationToken);
        printed.AddRange(Effective(generated, all));
        return new BuildOutput(Sorted(printed), AnalyzersRan: true);
    }

    public static Task<BuildOutput> BuildAsync(CancellationToken cancellationToken, params string[] sources) =>
        BuildAsync(Compile("App", sources), cancellationToken);

    private static AnalyzerOptions AnalyzerOptions() => new([]);

    /// <summary>What the build prints: warnings and errors, after #pragma and options (info and hidden are not printed).</summary>
    private static IEnumerable<Diagnostic> Effective(Compilation compilation, IEnumerable<Diagnostic> diagnostics)
    {
        foreach (Diagnostic diagnostic in CompilationWithAnalyzers.GetEffectiveDiagnostics(diagnostics, compilation))
        {
            if (!diagnostic.IsSuppressed && diagnostic.Severity is DiagnosticSeverity.Warning or DiagnosticSeverity.Error)
            {
                yield return diagnostic;
            }
        }
    }

    private static ImmutableArray<Diagnostic> Sorted(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics
            .DistinctBy(d => (d.Id, d.Location.GetLineSpan().ToString(), d.GetMessage()))
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableArray();
}
