using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.Analyzers.Tests;

/// <summary>No false positives on correct code: the Shop sample, read from disk, gets no diagnostic from any rule.</summary>
public sealed class ShopSampleTests
{
    [Fact]
    public Task The_shop_samples_contracts_and_handlers_have_no_diagnostics()
    {
        string root = RepositoryRoot();
        var test = new ContractsTest();
        foreach (string file in Directory.GetFiles(Path.Combine(root, "samples", "Shop.Contracts"), "*.cs")
                     .Concat(Directory.GetFiles(Path.Combine(root, "samples", "Shop.Handlers"), "*.cs"))
                     .Order(StringComparer.Ordinal))
        {
            test.TestState.Sources.Add((Path.GetFileName(file), File.ReadAllText(file)));
        }

        Assert.True(test.TestState.Sources.Count >= 3, "the Shop sample's sources were not found");
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_shop_sample_split_as_it_is_built_has_no_diagnostics_either()
    {
        // As the build sees it: contracts in one assembly, handlers in another that references it.
        string root = RepositoryRoot();
        CSharpCompilation contracts = await CompileAsync("Shop.Contracts", Path.Combine(root, "samples", "Shop.Contracts"), ContractsTest.References);
        using var image = new MemoryStream();
        Assert.True(contracts.Emit(image, cancellationToken: TestContext.Current.CancellationToken).Success);
        CSharpCompilation handlers = await CompileAsync(
            "Shop.Handlers", Path.Combine(root, "samples", "Shop.Handlers"), ContractsTest.References.Add(MetadataReference.CreateFromImage(image.ToArray())));

        foreach (CSharpCompilation compilation in new[] { contracts, handlers })
        {
            ImmutableArray<Diagnostic> diagnostics = await compilation
                .WithAnalyzers(ContractsTest.Analyzers)
                .GetAllDiagnosticsAsync(TestContext.Current.CancellationToken);
            // Every Contracts diagnostic, of any severity, and any compiler error (CS1701 unification warnings are the SDK's default NoWarn).
            Assert.Empty(diagnostics.Where(d => d.Id.StartsWith("CTR", StringComparison.Ordinal) || d.Severity == DiagnosticSeverity.Error));
        }
    }

    private static Task<CSharpCompilation> CompileAsync(string name, string directory, ImmutableArray<MetadataReference> references)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        CSharpCompilation compilation = CSharpCompilation.Create(
            name,
            Directory.GetFiles(directory, "*.cs").Order(StringComparer.Ordinal).Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f)),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create([new ContractsGenerator().AsSourceGenerator()], parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out ImmutableArray<Diagnostic> generatorDiagnostics, TestContext.Current.CancellationToken);
        Assert.Empty(generatorDiagnostics);
        return Task.FromResult((CSharpCompilation)generated);
    }

    internal static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Contracts.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Contracts.sln not found above " + AppContext.BaseDirectory);
    }
}
