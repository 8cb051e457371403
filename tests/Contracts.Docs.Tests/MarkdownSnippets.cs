using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Contracts.Docs.Tests;

/// <summary>
/// Finds the C# snippets of a Markdown page. The convention, small on purpose:
/// <list type="bullet">
/// <item>Every <c>```csharp</c> block compiles. Without a marker it is a C# file: declarations, or top-level statements.</item>
/// <item><c>&lt;!-- snippet: body --&gt;</c> on the line before a block: the block is statements, compiled as the body of an
/// <c>async Task</c> method, after the page's locals.</item>
/// <item><c>&lt;!-- snippet: NAME --&gt;</c> (any other name): the blocks of the page with that name, in order, are one
/// complete file, compiled alone: no setup. The README's <c>quickstart</c> is one; CI also runs it.</item>
/// <item><c>&lt;!-- snippet-setup ... --&gt;</c>: hidden C# declarations (global usings, the types the page's fragments
/// name) compiled with each plain and body block of the page. <c>&lt;!-- snippet-locals ... --&gt;</c>: hidden statements
/// run before each body block (the <c>builder</c>, <c>bus</c> or <c>id</c> a fragment uses).</item>
/// </list>
/// Every snippet also gets the implicit usings of a new console project (System, System.IO, System.Linq,
/// System.Net.Http, System.Threading, System.Threading.Tasks, System.Collections.Generic).
/// </summary>
public sealed partial class MarkdownSnippets
{
    private MarkdownSnippets(string page, IReadOnlyList<Snippet> snippets, string setup, int setupLine, string locals, int localsLine)
    {
        Page = page;
        Snippets = snippets;
        Setup = setup;
        SetupLine = setupLine;
        Locals = locals;
        LocalsLine = localsLine;
    }

    public string Page { get; }

    public IReadOnlyList<Snippet> Snippets { get; }

    public string Setup { get; }

    public int SetupLine { get; }

    public string Locals { get; }

    public int LocalsLine { get; }

    [GeneratedRegex(@"^(?<indent>\s*)```(?<lang>[A-Za-z#+-]*)\s*$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*(?<name>[A-Za-z0-9_-]+)\s*-->\s*$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^\s*<!--\s*snippet-(?<what>setup|locals)\s*$")]
    private static partial Regex Hidden();

    /// <summary>Reads <paramref name="text"/>, the page at <paramref name="page"/>.</summary>
    /// <exception cref="FormatException">A fence or marker is malformed; the message names the line.</exception>
    public static MarkdownSnippets Parse(string page, string text)
    {
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var snippets = new List<Snippet>();
        string setup = "", locals = "";
        int setupLine = 0, localsLine = 0;
        string? marker = null;
        int markerLine = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            if (Hidden().Match(lines[i]) is { Success: true } hidden)
            {
                int first = i + 1;
                int end = Array.FindIndex(lines, first, l => l.Trim() == "-->");
                if (end < 0)
                {
                    throw new FormatException($"{page}:{i + 1}: the snippet-{hidden.Groups["what"].Value} comment is not closed by a line '-->'.");
                }

                string code = string.Join('\n', lines[first..end]);
                if (hidden.Groups["what"].Value == "setup")
                {
                    (setup, setupLine) = (code, first + 1);
                }
                else
                {
                    (locals, localsLine) = (code, first + 1);
                }

                i = end;
                continue;
            }

            if (Marker().Match(lines[i]) is { Success: true } named)
            {
                marker = named.Groups["name"].Value;
                markerLine = i;
                continue;
            }

            if (Fence().Match(lines[i]) is not { Success: true } fence || fence.Groups["lang"].Value.Length == 0)
            {
                continue;
            }

            string indent = fence.Groups["indent"].Value;
            int open = i;
            int close = Array.FindIndex(lines, open + 1, l => l.Trim() == "```");
            if (close < 0)
            {
                throw new FormatException($"{page}:{open + 1}: the ``` block is not closed.");
            }

            i = close;
            string language = fence.Groups["lang"].Value;
            bool csharp = language is "csharp" or "cs" or "c#" or "C#";
            string? name = marker is not null && markerLine == open - 1 ? marker : null;
            marker = null;
            if (!csharp)
            {
                if (name is not null)
                {
                    throw new FormatException($"{page}:{open}: a snippet marker before a ```{language} block: only C# blocks are compiled.");
                }

                continue;
            }

            string body = string.Join('\n', lines[(open + 1)..close].Select(l => Dedent(l, indent)));
            SnippetKind kind = name switch { null => SnippetKind.File, "body" => SnippetKind.Body, _ => SnippetKind.Group };
            snippets.Add(new Snippet(page, open + 2, kind, kind == SnippetKind.Group ? name : null, body));
        }

        return new MarkdownSnippets(page, snippets, setup, setupLine, locals, localsLine);
    }

    /// <summary>Reads the page at <paramref name="path"/>, named by its path relative to <paramref name="root"/>.</summary>
    public static MarkdownSnippets Load(string root, string path) =>
        Parse(Path.GetRelativePath(root, path).Replace('\\', '/'), File.ReadAllText(path));

    private static string Dedent(string line, string indent) =>
        line.StartsWith(indent, StringComparison.Ordinal) ? line[indent.Length..] : line.TrimStart();
}
