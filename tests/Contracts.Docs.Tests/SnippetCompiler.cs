using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using Contracts.Generator;
using Contracts.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Docs.Tests;

/// <summary>
/// Compiles a snippet as a user's project would: the SDK's reference pack, the Contracts packages and what they bring,
/// the implicit usings of a new console project, nullable on, and the Contracts generator run over it. Diagnostics
/// point at the Markdown page and line through <c>#line</c> directives.
/// </summary>
public static class SnippetCompiler
{
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    // The .NET SDK's default NoWarn: assembly version unification between references.
    private static readonly Dictionary<string, ReportDiagnostic> s_sdkNoWarn = new() { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress };

    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    /// <summary>
    /// Compiles <paramref name="snippet"/> of <paramref name="page"/> (for a group, every block of it) and returns
    /// its errors, and for a group, which is a complete program, its warnings too, each as "page:line:column: id: message".
    /// </summary>
    public static IReadOnlyList<string> Compile(MarkdownSnippets page, Snippet snippet)
    {
        var trees = new List<SyntaxTree> { Parse(ImplicitUsings, "ImplicitUsings.g.cs") };
        switch (snippet.Kind)
        {
            case SnippetKind.File:
                AddSetup(page, trees);
                trees.Add(Parse(Mapped(snippet.Code, page.Page, snippet.Line), snippet.ToString()));
                break;
            case SnippetKind.Body:
                AddSetup(page, trees);
                var body = new StringBuilder();
                body.Append("internal static class DocsSnippet\n{\n    public static async global::System.Threading.Tasks.Task RunAsync()\n    {\n");
                if (page.Locals.Length > 0)
                {
                    body.Append(Mapped(page.Locals, page.Page, page.LocalsLine)).Append('\n');
                }

                body.Append(Mapped(snippet.Code, page.Page, snippet.Line)).Append("\n#line default\n        await global::System.Threading.Tasks.Task.CompletedTask;\n    }\n}\n");
                trees.Add(Parse(body.ToString(), snippet.ToString()));
                break;
            default:
                var group = new StringBuilder();
                foreach (Snippet block in page.Snippets.Where(s => s.Kind == SnippetKind.Group && s.Group == snippet.Group))
                {
                    group.Append(Mapped(block.Code, page.Page, block.Line)).Append('\n');
                }

                trees.Add(Parse(group.ToString(), snippet.ToString()));
                break;
        }

        bool program = trees.Any(t => t.GetRoot().DescendantNodes(n => n is CompilationUnitSyntax or GlobalStatementSyntax).OfType<GlobalStatementSyntax>().Any());
        CSharpCompilation compilation = CSharpCompilation.Create(
            "DocsSnippet",
            trees,
            s_references.Value,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(s_sdkNoWarn));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ContractsGenerator().AsSourceGenerator()], parseOptions: s_parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        DiagnosticSeverity failAt = snippet.Kind == SnippetKind.Group ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error;
        return [.. generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity >= failAt)
            .Select(Describe)
            .Distinct(StringComparer.Ordinal)];
    }

    private static void AddSetup(MarkdownSnippets page, List<SyntaxTree> trees)
    {
        if (page.Setup.Length > 0)
        {
            trees.Add(Parse(Mapped(page.Setup, page.Page, page.SetupLine), page.Page + " (snippet-setup)"));
        }
    }

    private static string Mapped(string code, string page, int line) => $"#line {line} \"{page}\"\n{code}";

    private static SyntaxTree Parse(string code, string path) => CSharpSyntaxTree.ParseText(code, s_parse, path, Encoding.UTF8);

    private static string Describe(Diagnostic diagnostic)
    {
        FileLinePositionSpan span = diagnostic.Location.GetMappedLineSpan();
        string where = span.IsValid ? $"{span.Path}:{span.StartLinePosition.Line + 1}:{span.StartLinePosition.Character + 1}" : "(no location)";
        return $"{where}: {diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ImmutableArray<MetadataReference>.Builder references = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (MetadataReference reference in TestReferences.All)
        {
            if (reference is PortableExecutableReference { FilePath: { } path } && names.Add(Path.GetFileName(path)))
            {
                references.Add(reference);
            }
        }

        // What the Contracts packages and Microsoft.Extensions.Hosting bring: the assemblies copied beside this test.
        string[] prefixes = ["Contracts.", "Microsoft.Extensions.", "Microsoft.Data.Sqlite", "Npgsql", "RabbitMQ.Client", "MessagePack", "xunit.v3.assert", "xunit.v3.core.dll"];
        foreach (string file in Directory.GetFiles(AppContext.BaseDirectory, "*.dll").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file);
            if (prefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))
                && !name.StartsWith("Contracts.Docs.Tests", StringComparison.Ordinal)
                && !name.StartsWith("Contracts.Generator", StringComparison.Ordinal)
                && names.Add(name))
            {
                references.Add(MetadataReference.CreateFromFile(file));
            }
        }

        return references.ToImmutable();
    }
}
