using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>What one generator run produced.</summary>
/// <param name="Driver">The driver after the run: run it again for incremental tests.</param>
/// <param name="Input">The compilation the generator saw.</param>
/// <param name="Output">The compilation with the generated trees added.</param>
/// <param name="Result">The generator's run result (sources, diagnostics, tracked steps).</param>
internal sealed record GeneratorRun(GeneratorDriver Driver, CSharpCompilation Input, Compilation Output, GeneratorRunResult Result)
{
    /// <summary>The generated sources by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);

    /// <summary>The text of the source with <paramref name="hintName"/>; fails when there is none.</summary>
    public string Source(string hintName)
    {
        Assert.True(Sources.TryGetValue(hintName, out string? text), $"No generated source '{hintName}'. Generated: {string.Join(", ", Sources.Keys)}");
        return text!;
    }
}

/// <summary>
/// Compiles sources against the local SDK's reference pack and the Contracts runtime, runs the generator, and
/// asserts what every generator test needs: no exception, no unexpected diagnostic, output without warnings,
/// approved snapshots, and pipeline values free of symbols and syntax.
/// </summary>
internal static class GeneratorHarness
{
    /// <summary>Set to 1 to accept the generated output as the new approved snapshots.</summary>
    public const string AcceptVariable = "CONTRACTS_ACCEPT";

    public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);


    public static ImmutableArray<MetadataReference> References => global::Contracts.Testing.TestReferences.All;

    /// <summary>Step names declared in <see cref="ContractsGeneratorSteps"/>, read by reflection so a new step is covered at once.</summary>
    public static IReadOnlyList<string> StepNames { get; } = typeof(ContractsGeneratorSteps)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .OrderBy(n => n, StringComparer.Ordinal)
        .ToArray();

    public static CSharpCompilation Compile(params string[] sources) => Compile("TestAssembly", sources, []);

    public static CSharpCompilation Compile(string assemblyName, IEnumerable<string> sources, IEnumerable<MetadataReference> extraReferences) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((s, i) => Parse(s, $"Source{i}.cs")),
            References.AddRange(extraReferences),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                deterministic: true,
                // As the SDK does (NoWarn 1701;1702): unification of the packages' older framework references.
                specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));

    public static SyntaxTree Parse(string source, string path) => CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        [new ContractsGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator (a fresh driver unless one is given) and returns everything it produced, asserting nothing.</summary>
    public static GeneratorRun RunRaw(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult result = Assert.Single(driver.GetRunResult().Results);
        return new GeneratorRun(driver, compilation, output, result);
    }

    /// <summary>
    /// Runs the generator and asserts: no exception, no generator diagnostic other than <paramref name="expectedDiagnostics"/>,
    /// no error or warning in the output compilation, and no symbol or syntax in any named step's output.
    /// </summary>
    public static GeneratorRun Run(CSharpCompilation compilation, GeneratorDriver? driver = null, params string[] expectedDiagnostics)
    {
        GeneratorRun run = RunRaw(compilation, driver);
        AssertNoException(run);
        Assert.Equal(
            expectedDiagnostics.Order(StringComparer.Ordinal).ToArray(),
            run.Result.Diagnostics.Select(d => d.Id).Order(StringComparer.Ordinal).ToArray());
        AssertNoErrors(run.Output.GetDiagnostics(), "the output compilation", run.Result.GeneratedSources.Select(s => s.SyntaxTree));
        AssertNoSymbolsInSteps(run.Result);
        return run;
    }

    public static GeneratorRun Run(params string[] sources) => Run(Compile(sources));

    public static void AssertNoException(GeneratorRun run)
    {
        Assert.True(run.Result.Exception is null, $"The generator threw: {run.Result.Exception}");
        Assert.DoesNotContain(run.Result.Diagnostics, d => d.Id == "CS8785");
    }

    /// <summary>
    /// No error and no warning. CS1591 (missing XML comment) counts in <paramref name="generatedTrees"/> only: the
    /// compilation diagnoses documentation so that generated code must document what it makes public, while the
    /// tests' hand-written sources need not.
    /// </summary>
    public static void AssertNoErrors(IEnumerable<Diagnostic> diagnostics, string what, IEnumerable<SyntaxTree> generatedTrees)
    {
        var generated = new HashSet<SyntaxTree>(generatedTrees);
        Diagnostic[] problems = diagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Where(d => !(d.Id == "CS1591" && d.Location.SourceTree is { } tree && !generated.Contains(tree)))
            .ToArray();
        Assert.True(problems.Length == 0, $"Diagnostics in {what}:\n{string.Join("\n", problems.Select(Describe))}");
    }

    /// <summary>Errors located in generated trees: a half-typed contract must never make the generated code itself fail.</summary>
    public static Diagnostic[] ErrorsInGeneratedCode(GeneratorRun run)
    {
        var generated = new HashSet<SyntaxTree>(run.Result.GeneratedSources.Select(s => s.SyntaxTree));
        return run.Output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && generated.Contains(tree))
            .ToArray();
    }

    public static string Describe(Diagnostic diagnostic)
    {
        string line = diagnostic.ToString();
        if (diagnostic.Location.SourceTree is { } tree)
        {
            int number = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
            line += "\n    > " + tree.GetText().Lines[number].ToString().Trim();
        }

        return line;
    }

    // ---- Running generated code ---------------------------------------------------------------------------

    /// <summary>
    /// Generates and compiles <paramref name="source"/>, loads the assembly and calls the public static parameterless
    /// <paramref name="method"/> of <paramref name="typeName"/>: a probe that returns "ok" or what went wrong.
    /// </summary>
    public static string? InvokeProbe(string assemblyName, string source, string typeName, string method)
    {
        GeneratorRun run = Run(Compile(assemblyName, [source], []));
        using var stream = new MemoryStream();
        EmitResult result = run.Output.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Select(Describe)));

        // A collectible context per call: the generated assembly uses the test's own copy of the runtime.
        var context = new AssemblyLoadContext(assemblyName, isCollectible: true);
        try
        {
            stream.Position = 0;
            Assembly assembly = context.LoadFromStream(stream);
            MethodInfo probe = assembly.GetType(typeName, throwOnError: true)!.GetMethod(method)!;
            return (string?)probe.Invoke(null, null);
        }
        finally
        {
            context.Unload();
        }
    }

    // ---- Snapshots -------------------------------------------------------------------------------------

    /// <summary>
    /// Compares every generated file with <c>Snapshots/&lt;test&gt;/&lt;hint name without .cs&gt;.verified.cs</c> beside the
    /// calling test's source. A mismatch writes <c>.received.cs</c> and fails; a snapshot no longer generated fails too.
    /// With <c>CONTRACTS_ACCEPT=1</c> the output becomes the approved snapshot.
    /// </summary>
    public static void VerifySnapshots(GeneratorRun run, [CallerFilePath] string callerFile = "", [CallerMemberName] string testName = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots", testName);
        bool accept = Environment.GetEnvironmentVariable(AcceptVariable) == "1";
        Directory.CreateDirectory(directory);
        var failures = new List<string>();
        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);

        foreach (GeneratedSourceResult source in run.Result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            string stem = Path.Combine(directory, StripCs(source.HintName));
            string verified = stem + ".verified.cs";
            string received = stem + ".received.cs";
            expectedFiles.Add(Path.GetFileName(verified));
            string actual = Scrub(source.SourceText.ToString());
            string? approved = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
            if (approved == actual)
            {
                File.Delete(received);
                continue;
            }

            if (accept)
            {
                File.WriteAllText(verified, actual, new UTF8Encoding(false));
                File.Delete(received);
                continue;
            }

            File.WriteAllText(received, actual, new UTF8Encoding(false));
            failures.Add(approved is null
                ? $"{source.HintName}: no approved snapshot; review {received} and rename it to .verified.cs (or run with {AcceptVariable}=1)"
                : $"{source.HintName}: differs from the approved snapshot at line {FirstDifference(approved, actual)}; see {received}");
        }

        foreach (string file in Directory.GetFiles(directory, "*.verified.cs"))
        {
            if (!expectedFiles.Contains(Path.GetFileName(file)))
            {
                if (accept)
                {
                    File.Delete(file);
                }
                else
                {
                    failures.Add($"{Path.GetFileName(file)}: approved but no longer generated");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string StripCs(string hintName) => hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName[..^3] : hintName;

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <summary>The generator's version changes with every release; snapshots should not.</summary>
    private static string Scrub(string text) => Normalize(text).Replace(
        $"GeneratedCode(\"Contracts.Generator\", \"{GeneratorVersion}\")",
        "GeneratedCode(\"Contracts.Generator\", \"{version}\")",
        StringComparison.Ordinal);

    public static string GeneratorVersion => typeof(ContractsGenerator).Assembly.GetName().Version!.ToString(3);

    private static int FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n'), b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return i + 1;
            }
        }

        return Math.Min(a.Length, b.Length) + 1;
    }

    // ---- Pipeline values ---------------------------------------------------------------------------------

    /// <summary>Walks the outputs of every named step (records, arrays, tuples) and fails on a symbol, syntax node, location or compilation.</summary>
    public static void AssertNoSymbolsInSteps(GeneratorRunResult result)
    {
        foreach (string step in StepNames)
        {
            if (!result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs))
            {
                continue;
            }

            foreach (IncrementalGeneratorRunStep run in runs)
            {
                foreach ((object value, IncrementalStepRunReason _) in run.Outputs)
                {
                    AssertPlain(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
                }
            }
        }
    }

    private static void AssertPlain(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || value is decimal)
        {
            return;
        }

        Assert.False(
            value is ISymbol or SyntaxNode or SyntaxToken or SyntaxTree or Location or Compilation or SemanticModel or SyntaxReference or AttributeData,
            $"Pipeline step output {path} holds a {value.GetType().FullName}: specs must hold strings, numbers, bools, enums and equatable arrays only.");

        if (!value.GetType().IsValueType && !seen.Add(value))
        {
            return;
        }

        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertPlain(item, $"{path}[{i++}]", seen);
            }

            return;
        }

        Type type = value.GetType();
        Assert.True(
            type.Namespace?.StartsWith("Contracts", StringComparison.Ordinal) == true || type.FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal)
                || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Nullable<>)),
            $"Pipeline step output {path} holds a {type.FullName}, which is neither a spec, a tuple nor a primitive.");

        foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            AssertPlain(field.GetValue(value), $"{path}.{field.Name}", seen);
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && property.Name != "EqualityContract")
            {
                AssertPlain(property.GetValue(value), $"{path}.{property.Name}", seen);
            }
        }
    }

    // ---- References --------------------------------------------------------------------------------------
}
