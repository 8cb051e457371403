using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Contracts.Docs.Tests;

/// <summary>
/// Every C# snippet of README.md and docs/*.md compiles against the current API (the convention is on
/// <see cref="MarkdownSnippets"/>). docs/diagnostics is left out: its pages show code that is wrong on purpose, each
/// with the diagnostic it raises, and belong to the analyzer tests.
/// </summary>
public sealed class DocsSnippetTests
{
    public static string Root { get; } = FindRoot();

    public static IEnumerable<string> Pages() =>
        new[] { Path.Combine(Root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories)
                .Where(p => !Path.GetRelativePath(Path.Combine(Root, "docs"), p).StartsWith("diagnostics", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal);

    /// <summary>One row per snippet (a group once, at its first block), named by page and line.</summary>
    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (string path in Pages())
        {
            MarkdownSnippets page = MarkdownSnippets.Load(Root, path);
            var groups = new HashSet<string>(StringComparer.Ordinal);
            foreach (Snippet snippet in page.Snippets)
            {
                if (snippet.Group is null || groups.Add(snippet.Group))
                {
                    data.Add(page.Page, snippet.Line);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void The_snippet_compiles(string page, int line)
    {
        MarkdownSnippets snippets = MarkdownSnippets.Load(Root, Path.Combine(Root, page));
        Snippet snippet = snippets.Snippets.Single(s => s.Line == line);

        IReadOnlyList<string> errors = SnippetCompiler.Compile(snippets, snippet);

        Assert.True(errors.Count == 0, $"The snippet at {snippet} does not compile:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public void Every_page_outside_docs_diagnostics_with_csharp_has_its_snippets_found()
    {
        foreach (string path in Pages())
        {
            string text = File.ReadAllText(path);
            int fences = text.Split('\n').Count(l => l.Trim() is "```csharp" or "```cs" or "```c#" or "```C#");
            Assert.Equal(fences, MarkdownSnippets.Load(Root, path).Snippets.Count);
        }
    }

    [Fact]
    public void The_README_has_one_quickstart_and_it_is_a_whole_program()
    {
        MarkdownSnippets readme = MarkdownSnippets.Load(Root, Path.Combine(Root, "README.md"));

        Snippet quickstart = Assert.Single(readme.Snippets, s => s.Group == "quickstart");
        Assert.Contains("await host.StartAsync()", quickstart.Code, StringComparison.Ordinal);
        Assert.Empty(SnippetCompiler.Compile(readme, quickstart));
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Contracts.sln")) && File.Exists(Path.Combine(directory.FullName, "README.md")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Contracts.sln not found above {AppContext.BaseDirectory}.");
    }
}
