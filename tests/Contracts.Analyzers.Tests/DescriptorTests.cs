using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Contracts.Analyzers.Tests;

/// <summary>Every rule has its help page, its release entry, and the CompilationEnd tag exactly when it needs the whole compilation.</summary>
public sealed class DescriptorTests
{
    private static readonly DiagnosticDescriptor[] s_descriptors = ContractsTest.Analyzers
        .SelectMany(a => a.SupportedDiagnostics)
        .DistinctBy(d => d.Id)
        .OrderBy(d => d.Id, StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void Ids_run_from_CTR001_to_CTR013_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, 13).Select(i => $"CTR{i:000}"), s_descriptors.Select(d => d.Id));
    }

    [Fact]
    public void Every_rule_links_to_its_page_which_exists_and_is_in_the_table_and_the_release_notes()
    {
        string root = ShopSampleTests.RepositoryRoot();
        string table = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", "README.md"));
        string releases = File.ReadAllText(Path.Combine(root, "src", "Contracts.Analyzers", "AnalyzerReleases.Unshipped.md"));
        foreach (DiagnosticDescriptor descriptor in s_descriptors)
        {
            Assert.EndsWith($"/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri, StringComparison.Ordinal);
            string page = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md"));
            Assert.Contains("#pragma warning disable " + descriptor.Id, page, StringComparison.Ordinal);
            Assert.Contains($"dotnet_diagnostic.{descriptor.Id}.severity", page, StringComparison.Ordinal);
            Assert.Contains($"[{descriptor.Id}]({descriptor.Id}.md)", table, StringComparison.Ordinal);
            Assert.Contains(descriptor.Id + " |", releases, StringComparison.Ordinal);
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
            Assert.Equal(descriptor.Id is "CTR001" or "CTR005" or "CTR011", end);
            string page = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md"));
            Assert.Equal(end, page.Contains("on build, not while typing", StringComparison.Ordinal));
        }
    }
}
