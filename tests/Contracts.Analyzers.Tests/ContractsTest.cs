using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Contracts.CodeAnalysis;
using Contracts.CodeAnalysis.CodeFixes;
using Contracts.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>
/// Runs every Contracts analyzer and code fix together with the real source generator, as a build does: test
/// sources are ordinary Contracts code (contracts get ICommand and friends from the generator), and a test passes
/// only when exactly the expected diagnostics appear, compiler ones included. References come from the local SDK's
/// reference pack, so nothing is downloaded while tests run.
/// </summary>
internal sealed class ContractsTest : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, EmptyCodeFixProvider, DefaultVerifier>
{
    public static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers =
    [
        new ContractMutabilityAnalyzer(),
        new HandlerAnalyzer(),
        new HandlerAsyncAnalyzer(),
        new BusCallAnalyzer(),
        new MessageTopologyAnalyzer(),
        new SagaAnalyzer(),
    ];

    /// <summary>
    /// Every analyzer, the lock file's too (CTR040-CTR048): the descriptor tests and the build emulation use these. The lock
    /// analyzer is left out of <see cref="Analyzers"/>, which the rule tests run: it reports CTR041 (info) on every
    /// project without a lock file, which each of their expected lists would have to name; <see cref="WithLock"/> adds it.
    /// </summary>
    public static readonly ImmutableArray<DiagnosticAnalyzer> AllAnalyzers = Analyzers.Add(new ContractLockAnalyzer());

    /// <summary>Whether the lock file's analyzer runs too.</summary>
    public bool WithLock { get; init; }


    public ContractsTest()
    {
        // A target framework with no package: the references are the local ones below, nothing is resolved from NuGet.
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(global::Contracts.Testing.TestReferences.All);
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;

        // CTR008 is reported by two analyzers (on the query and on its handler) with the one descriptor.
        MarkupOptions = MarkupOptions.UseFirstDescriptor;
    }

    public static ImmutableArray<MetadataReference> References => global::Contracts.Testing.TestReferences.All;

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => WithLock ? AllAnalyzers : Analyzers;

    /// <summary>Every code fix the CodeFixes assembly has, found there so a new one cannot be left out of the tests.</summary>
    private static readonly CodeFixProvider[] s_fixes = typeof(AwaitCodeFix).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsPublic: true } && typeof(CodeFixProvider).IsAssignableFrom(t))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
        .ToArray();

    protected override IEnumerable<CodeFixProvider> GetCodeFixProviders() => s_fixes;

    protected override IEnumerable<Type> GetSourceGenerators() => [typeof(ContractsGenerator)];

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);

    /// <summary>Analyzes <paramref name="source"/>; the markup ({|CTR001:Name|}) and <paramref name="expected"/> list every diagnostic.</summary>
    public static Task AnalyzeAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new ContractsTest { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Applies the code fix <paramref name="equivalenceKey"/> (or the only one offered) and compares with <paramref name="fixedSource"/>.</summary>
    /// <remarks>
    /// Fix-all is checked too unless <paramref name="fixAll"/> is false (fixes that are a judgement per diagnostic offer none).
    /// <paramref name="remaining"/>: the diagnostics the fixed code still has (the ones with no fix).
    /// <paramref name="compilationEnd"/>: the rule is a compilation-end one, whose fix an IDE offers once the diagnostic was
    /// computed (after a build), not on demand; the testing library's check against that is turned off.
    /// </remarks>
    public static Task FixAsync(string source, string fixedSource, string? equivalenceKey = null, int iterations = 1, bool fixAll = true, bool compilationEnd = false, DiagnosticResult[]? remaining = null)
    {
        var test = new ContractsTest
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            NumberOfFixAllIterations = Math.Min(iterations, 1),
            NumberOfIncrementalIterations = iterations,
            CodeFixTestBehaviors = (fixAll ? CodeFixTestBehaviors.None : CodeFixTestBehaviors.SkipFixAllCheck)
                | (compilationEnd ? CodeFixTestBehaviors.SkipLocalDiagnosticCheck : CodeFixTestBehaviors.None),
        };
        test.FixedState.ExpectedDiagnostics.AddRange(remaining ?? []);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }
}
