using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using Contracts.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Contracts.Benchmarks.Generator;

/// <summary>
/// The generator on a project of N contracts, each with a handler: a cold run, and a re-run after an
/// unrelated edit (what an IDE does on every keystroke), where every step should come from the cache.
/// Beside it, the same runs of <see cref="FloorGenerator"/>: Roslyn's own cost for the same pipeline shape with
/// transforms that do nothing, the floor no generator of this shape can go under.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private CSharpCompilation _retyped = null!;
    private GeneratorDriver _warm = null!;
    private GeneratorDriver _warmEdited = null!;
    private GeneratorDriver _floorWarm = null!;
    private GeneratorDriver _floorWarmEdited = null!;
    private GeneratorDriver _floorFilesWarm = null!;
    private CSharpCompilation _fresh = null!;
    private int _keystrokes;

    [Params(10, 700)]
    public int Contracts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree>();
        for (int i = 0; i < Contracts; i++)
        {
            trees.Add(CSharpSyntaxTree.ParseText(Source(i), parse, $"Contract{i}.cs"));
        }

        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        IEnumerable<MetadataReference> references = platform
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Concat([typeof(IMessageBus).Assembly.Location, typeof(MessagePack.MessagePackWriter).Assembly.Location,
                     typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location])
            .Distinct()
            .Select(p => MetadataReference.CreateFromFile(p));
        _compilation = CSharpCompilation.Create("Bench", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        SyntaxTree edit = CSharpSyntaxTree.ParseText("namespace Unrelated { internal static class Edit { } }", parse, "Edit.cs");
        _edited = _compilation.AddSyntaxTrees(edit);

        // A keystroke in an existing unrelated file: the tree is replaced, not added.
        _retyped = _edited.ReplaceSyntaxTree(edit, CSharpSyntaxTree.ParseText("namespace Unrelated { internal static class Edit { static int X; } }", parse, "Edit.cs"));

        _warm = Driver(new ContractsGenerator(), parse).RunGenerators(_compilation);
        _warmEdited = Driver(new ContractsGenerator(), parse).RunGenerators(_edited);
        _floorWarm = Driver(new FloorGenerator(), parse).RunGenerators(_compilation);
        _floorWarmEdited = Driver(new FloorGenerator(), parse).RunGenerators(_edited);
        _floorFilesWarm = Driver(new FloorGenerator(filePerContract: true), parse).RunGenerators(_compilation);
    }

    [Benchmark]
    public GeneratorDriver ColdRun() =>
        CSharpGeneratorDriver.Create([new ContractsGenerator().AsSourceGenerator()], parseOptions: (CSharpParseOptions)_compilation.SyntaxTrees[0].Options)
            .RunGenerators(_compilation);

    [Benchmark]
    public GeneratorDriver CachedRerunAfterUnrelatedEdit() => _warm.RunGenerators(_edited);

    [Benchmark]
    public GeneratorDriver CachedRerunAfterUnrelatedFileEdited() => _warmEdited.RunGenerators(_retyped);

    [Benchmark]
    public GeneratorDriver FloorColdRun() => Driver(new FloorGenerator(), (CSharpParseOptions)_compilation.SyntaxTrees[0].Options).RunGenerators(_compilation);

    [Benchmark]
    public GeneratorDriver FloorCachedRerunAfterUnrelatedEdit() => _floorWarm.RunGenerators(_edited);

    [Benchmark]
    public GeneratorDriver FloorCachedRerunAfterUnrelatedFileEdited() => _floorWarmEdited.RunGenerators(_retyped);

    /// <summary>The floor with one generated file per contract, as ours has: what the driver costs for that many cached files.</summary>
    [Benchmark]
    public GeneratorDriver FloorWithFilePerContractCachedRerunAfterUnrelatedEdit() => _floorFilesWarm.RunGenerators(_edited);

    /// <summary>A new compilation for each iteration, as each keystroke in an IDE makes: nothing in it is bound yet.</summary>
    [IterationSetup(Targets = [nameof(CachedRerunOnFreshCompilation), nameof(FloorWithFilePerContractRerunOnFreshCompilation)])]
    public void NewCompilation() =>
        _fresh = _compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            $"namespace Unrelated {{ internal static class Edit {{ static int X{++_keystrokes}; }} }}", (CSharpParseOptions)_compilation.SyntaxTrees[0].Options, "Edit.cs"));

    /// <summary>
    /// The re-run after an unrelated edit on a compilation the compiler has bound nothing of: what the generator costs per
    /// keystroke in an IDE, binding included (the other re-runs measure one compilation over and over, bound after the first).
    /// </summary>
    [Benchmark]
    public GeneratorDriver CachedRerunOnFreshCompilation() => _warm.RunGenerators(_fresh);

    /// <summary>The floor's run on the same fresh compilation.</summary>
    [Benchmark]
    public GeneratorDriver FloorWithFilePerContractRerunOnFreshCompilation() => _floorFilesWarm.RunGenerators(_fresh);

    private static GeneratorDriver Driver(IIncrementalGenerator generator, CSharpParseOptions parse) =>
        CSharpGeneratorDriver.Create([generator.AsSourceGenerator()], parseOptions: parse);

    private static string Source(int i)
    {
        var s = new StringBuilder();
        s.Append($$"""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Contracts;

            namespace Bench.Module{{i % 10}};

            public sealed record Line{{i}}(string Sku, int Quantity, decimal Price);

            [Command]
            public partial record Command{{i}}([property: IdempotencyKey] Guid Id, string Name, int Count, decimal Amount, DateTimeOffset At, IReadOnlyList<Line{{i}}> Lines);

            public sealed class Command{{i}}Handler : ICommandHandler<Command{{i}}>
            {
                public ValueTask HandleAsync(Command{{i}} command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            }
            """);
        return s.ToString();
    }
}
