using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Contracts.Analyzers.Tests;

/// <summary>Every rule has its help page, its release entry, and the CompilationEnd tag exactly when it needs the whole compilation.</summary>
public sealed class DescriptorTests
{
    private static readonly DiagnosticDescriptor[] s_descriptors = ContractsTest.AllAnalyzers
        .SelectMany(a => a.SupportedDiagnostics)
        .Concat(GeneratorDescriptors)
        .Where(d => d.Id != "CTR999")
        .DistinctBy(d => d.Id)
        .OrderBy(d => d.Id, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The rules the generator reports (they stop generation), read from the generator assembly.</summary>
    internal static System.Collections.Generic.IEnumerable<DiagnosticDescriptor> GeneratorDescriptors =>
        (System.Collections.Immutable.ImmutableArray<DiagnosticDescriptor>)typeof(Contracts.Generator.ContractsGenerator).Assembly
            .GetType("Contracts.Generator.Diagnostics.GeneratorDiagnostics", throwOnError: true)!
            .GetProperty("Supported", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .GetValue(null)!;

    [Fact]
    public void No_rule_is_reported_by_both_the_generator_and_an_analyzer()
    {
        string[] analyzers = ContractsTest.AllAnalyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().ToArray();
        string[] generator = GeneratorDescriptors.Select(d => d.Id).ToArray();
        Assert.Contains("CTR003", generator);
        Assert.Contains("CTR002", analyzers);
        Assert.Empty(analyzers.Intersect(generator));
    }

    [Fact]
    public void Ids_run_from_CTR001_to_CTR023_the_saga_rules_CTR030_to_CTR038_and_CTR040_to_CTR058_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, 23).Concat(Enumerable.Range(30, 9)).Concat(Enumerable.Range(40, 19)).Select(i => $"CTR{i:000}"), s_descriptors.Select(d => d.Id));
    }

    [Fact]
    public void Every_rule_links_to_its_page_which_exists_and_is_in_the_table_and_the_release_notes()
    {
        string root = ShopSampleTests.RepositoryRoot();
        string table = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", "README.md"));
        string analyzerReleases = File.ReadAllText(Path.Combine(root, "src", "Contracts.Analyzers", "AnalyzerReleases.Unshipped.md"));
        string generatorReleases = File.ReadAllText(Path.Combine(root, "src", "Contracts.Generator", "AnalyzerReleases.Unshipped.md"));
        string[] generatorIds = GeneratorDescriptors.Select(d => d.Id).ToArray();
        foreach (DiagnosticDescriptor descriptor in s_descriptors)
        {
            Assert.EndsWith($"/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri, StringComparison.Ordinal);
            string page = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md"));
            Assert.Contains("#pragma warning disable " + descriptor.Id, page, StringComparison.Ordinal);
            Assert.Contains($"dotnet_diagnostic.{descriptor.Id}.severity", page, StringComparison.Ordinal);
            Assert.Contains($"[{descriptor.Id}]({descriptor.Id}.md)", table, StringComparison.Ordinal);
            // Each rule is released by the project that reports it, and only there.
            bool byGenerator = generatorIds.Contains(descriptor.Id);
            Assert.Contains(descriptor.Id + " |", byGenerator ? generatorReleases : analyzerReleases, StringComparison.Ordinal);
            Assert.DoesNotContain(descriptor.Id + " |", byGenerator ? analyzerReleases : generatorReleases, StringComparison.Ordinal);
            Assert.StartsWith("Contracts.", descriptor.Category, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Whole_compilation_rules_carry_the_CompilationEnd_tag_and_their_pages_say_so()
    {
        string root = ShopSampleTests.RepositoryRoot();
        foreach (DiagnosticDescriptor descriptor in s_descriptors)
        {
            bool end = descriptor.CustomTags.Contains(WellKnownDiagnosticTags.CompilationEnd);
            Assert.Equal(descriptor.Id is "CTR001" or "CTR005" or "CTR011" or "CTR022" or "CTR035" || (string.CompareOrdinal(descriptor.Id, "CTR040") >= 0 && string.CompareOrdinal(descriptor.Id, "CTR048") <= 0), end);
            string page = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md"));
            Assert.Equal(end, page.Contains("on build, not while typing", StringComparison.Ordinal));
        }
    }
}
