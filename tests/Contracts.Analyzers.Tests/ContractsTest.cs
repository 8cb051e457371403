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
    ];


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

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => Analyzers;

    protected override IEnumerable<CodeFixProvider> GetCodeFixProviders() =>
    [
        new MakePartialCodeFix(),
        new IdempotencyCodeFix(),
        new SetToInitCodeFix(),
        new AddQueryInterfaceCodeFix(),
        new PassCancellationTokenCodeFix(),
        new HandlerNotWiredCodeFix(),
        new AwaitCodeFix(),
    ];

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
    /// <remarks>Fix-all is checked too unless <paramref name="fixAll"/> is false (fixes that are a judgement per diagnostic offer none).</remarks>
    public static Task FixAsync(string source, string fixedSource, string? equivalenceKey = null, int iterations = 1, bool fixAll = true)
    {
        var test = new ContractsTest
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            NumberOfFixAllIterations = Math.Min(iterations, 1),
            NumberOfIncrementalIterations = iterations,
            CodeFixTestBehaviors = fixAll ? CodeFixTestBehaviors.None : CodeFixTestBehaviors.SkipFixAllCheck,
        };
        return test.RunAsync(TestContext.Current.CancellationToken);
    }
}
