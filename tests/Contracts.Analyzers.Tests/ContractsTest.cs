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
        new ContractAnalyzer(),
        new ContractMutabilityAnalyzer(),
        new HandlerAnalyzer(),
        new HandlerAsyncAnalyzer(),
        new MessageTopologyAnalyzer(),
    ];

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    public ContractsTest()
    {
        // A target framework with no package: the references are the local ones below, nothing is resolved from NuGet.
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(s_references.Value);
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;

        // CTR008 is reported by two analyzers (on the query and on its handler) with the one descriptor.
        MarkupOptions = MarkupOptions.UseFirstDescriptor;
    }

    public static ImmutableArray<MetadataReference> References => s_references.Value;

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => Analyzers;

    protected override IEnumerable<CodeFixProvider> GetCodeFixProviders() =>
    [
        new MakePartialCodeFix(),
        new IdempotencyCodeFix(),
        new SetToInitCodeFix(),
        new AddQueryInterfaceCodeFix(),
        new PassCancellationTokenCodeFix(),
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

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        ImmutableArray<MetadataReference>.Builder references = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (string file in Directory.GetFiles(ReferencePackDirectory(), "*.dll").Order(StringComparer.Ordinal))
        {
            references.Add(MetadataReference.CreateFromFile(file));
        }

        foreach (Assembly assembly in new[]
                 {
                     typeof(CommandAttribute).Assembly,
                     typeof(MessagePack.MessagePackWriter).Assembly,
                     typeof(MessagePack.MessagePackObjectAttribute).Assembly,
                     typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly,
                 })
        {
            references.Add(MetadataReference.CreateFromFile(assembly.Location));
        }

        return references.ToImmutable();
    }

    /// <summary>The newest Microsoft.NETCore.App.Ref 10.0 pack beside the running runtime (or under DOTNET_ROOT).</summary>
    private static string ReferencePackDirectory()
    {
        string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var roots = new List<string> { Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", "..")) };
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root)
        {
            roots.Add(root);
        }

        roots.Add("/usr/share/dotnet");
        foreach (string candidate in roots)
        {
            string packs = Path.Combine(candidate, "packs", "Microsoft.NETCore.App.Ref");
            if (!Directory.Exists(packs))
            {
                continue;
            }

            string? newest = Directory.GetDirectories(packs, "10.0.*")
                .Where(d => Directory.Exists(Path.Combine(d, "ref", "net10.0")))
                .OrderBy(d => Version.TryParse(Path.GetFileName(d), out Version? v) ? v : new Version(0, 0))
                .LastOrDefault();
            if (newest is not null)
            {
                return Path.Combine(newest, "ref", "net10.0");
            }
        }

        throw new InvalidOperationException($"No Microsoft.NETCore.App.Ref 10.0.* reference pack found under: {string.Join(", ", roots)}");
    }
}
