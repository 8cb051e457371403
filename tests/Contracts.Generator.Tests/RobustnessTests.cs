using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>Code being typed never crashes the generator, and contracts it cannot generate are skipped, not half-generated.</summary>
public sealed class RobustnessTests
{
    private const string Valid = """
        using System;
        using Contracts;

        namespace Shop;

        [Command]
        public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
        """;

    public static TheoryData<string, string> HalfTypedCode => new()
    {
        { "missing closing braces", """
            using Contracts;
            namespace Shop
            {
                [Event]
                public partial record OrderPlaced(System.Guid OrderId)
                {
                    public string? Note { get; init; }
            """ },
        { "unknown attribute arguments", """
            using Contracts;
            namespace Shop;
            [Event(Nmae = "x", Version = "two", Unknown = typeof(Nope))]
            public partial record OrderPlaced(System.Guid OrderId);
            [Command(Name = null, Version = -3)]
            public partial record Cancel(System.Guid OrderId);
            [Query(Name = )]
            public partial record Find(int Id) : IQuery<int>;
            """ },
        { "unknown member type", """
            using Contracts;
            [Command] public partial record X(UnknownType Y);
            """ },
        { "handler of an unknown type", """
            using System.Threading;
            using System.Threading.Tasks;
            using Contracts;
            namespace Shop;
            public sealed class Handler : ICommandHandler<Unknown>, IEventHandler<>, IQueryHandler<Shop.PlaceOrder, Missing>, IEventHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(Unknown command, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """ },
        { "empty file", "" },
        { "syntax error mid-property", """
            using System;
            using Contracts;
            namespace Shop;
            [Event]
            public partial class OrderShipped
            {
                public Guid OrderId { get; init; }
                public string Carrier { get; in
                public int Boxes { get; init; }
            }
            """ },
        { "attribute on nothing", """
            using Contracts;
            [Command]
            """ },
        { "partial record without a name", """
            using Contracts;
            [Event] public partial record (int X);
            [Command] public partial record Y(int X) : ;
            """ },
        { "query without result", """
            using Contracts;
            [Query] public partial record Find(int Id);
            [Query] public partial record FindMissing(int Id) : IQuery<Missing>;
            """ },
        { "query result with an unknown type argument", """
            using System.Collections.Generic;
            using Contracts;
            [Query] public partial record FindAll(int Id) : IQuery<List<Missing>>;
            [Query] public partial record FindMap(int Id) : IQuery<Dictionary<string, >>;
            """ },
        { "member index without argument", """
            using Contracts;
            [Event] public partial record Indexed([property: MemberIndex] int A, [property: MemberIndex("x")] int B, [property: MemberIndex(-1)] int C);
            """ },
        { "self-referencing and recursive types", """
            using System.Collections.Generic;
            using Contracts;
            public sealed record Node(string Name, List<Node> Children);
            [Event] public partial record TreeChanged(Node Root);
            [Event] public partial record Loop(Loop? Next);
            """ },
        { "contract in a generic or non-partial container", """
            using Contracts;
            public partial class Outer<T> { [Event] public partial record Inner(int X); }
            public class Closed { [Event] public partial record Inner(int X); }
            """ },
        { "duplicate declarations", """
            using System;
            using Contracts;
            namespace Other;
            [Command] public partial record Twice(Guid OrderId);
            [Command] public partial record Twice(Guid OrderId, string Extra);
            public sealed class Twice { }
            """ },
        { "handler without a name", """
            using System.Threading;
            using System.Threading.Tasks;
            using Contracts;
            namespace Shop;
            public sealed class : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """ },
        // Hint names compare without regard to case: twins of the valid contract (Shop.PlaceOrder), one half typed.
        { "case-only twins of a contract, one being typed", """
            using System;
            using Contracts;
            namespace Shop;
            [Command] public partial record placeOrder([property: IdempotencyKey] Guid OrderId);
            [Event] public partial record PLACEORDER(Guid OrderId, string
            """ },
        { "case-only twins in namespaces that differ by case, one invalid", """
            using System;
            using Contracts;
            namespace shop
            {
                [Event] public partial record PlaceOrder(Guid OrderId);
                [Event] public record Placeorder(Guid OrderId);
                [Event] public partial record PlaceORDER(object Payload);
            }
            """ },
        { "case-only twins of enums and nested records a contract carries", """
            using System;
            using Contracts;
            namespace Shop;
            public enum Status { Open }
            public enum status { open }
            public sealed record Line(int N);
            public sealed record line(int n);
            [Event] public partial record Changed(Status A, status B, Line C, line D);
            [Event] public partial record changed(Status A, line D);
            """ },
        { "case-only twin handlers", """
            using System.Threading;
            using System.Threading.Tasks;
            using Contracts;
            namespace Shop;
            public sealed class Handler : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
            }
            public sealed class handler : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """ },
    };

    [Theory]
    [MemberData(nameof(HalfTypedCode))]
    public void HalfTypedCodeNeverCrashesTheGenerator(string scenario, string source)
    {
        GeneratorRun run = GeneratorHarness.RunRaw(GeneratorHarness.Compile(Valid, source));

        GeneratorHarness.AssertNoException(run);

        // Mistakes in the half-typed code are reported on it, in source (never the last resort, never nowhere).
        Assert.DoesNotContain(run.Result.Diagnostics, d => d.Id == "CTR999");
        Assert.All(run.Result.Diagnostics, d => Assert.True(d.Location.IsInSource && d.Location.SourceTree!.FilePath == "Source1.cs", $"{scenario}: {d}"));
        Diagnostic[] errors = GeneratorHarness.ErrorsInGeneratedCode(run);
        Assert.True(errors.Length == 0, $"{scenario}: the generated code does not compile:\n{string.Join("\n", errors.Select(GeneratorHarness.Describe))}");

        // The valid contract beside the broken code is still generated.
        Assert.Contains("ContractsModule.g.cs", run.Sources.Keys);
    }

    /// <summary>Name, declaration, the rule the generator reports, and whether the declaration allows the marker surface.</summary>
    public static TheoryData<string, string, string, bool> InvalidContracts => new()
    {
        { "NotPartial", "[Command] public record NotPartial(int X);", "CTR003", false },
        { "Generic", "[Command] public partial record Generic<T>(T X);", "CTR003", false },
        { "RecordStruct", "[Event] public partial record struct RecordStruct(int X);", "CTR003", false },
        { "Struct", "[Event] public partial struct Struct { public int X { get; set; } }", "CTR003", false },
        { "TwoKinds", "[Command, Event] public partial record TwoKinds(int X);", "CTR006", false },
        { "ObjectMember", "[Event] public partial record ObjectMember(object Value);", "CTR004", true },
        { "StreamMember", "[Event] public partial record StreamMember(System.IO.Stream Body);", "CTR004", true },
        { "InterfaceMember", "[Event] public partial record InterfaceMember(System.IDisposable Resource);", "CTR004", true },
        { "HashSetMember", "[Event] public partial record HashSetMember(System.Collections.Generic.HashSet<int> Ids);", "CTR004", true },
        { "Abstract", "[Event] public abstract partial record Abstract(int X);", "CTR003", false },
        { "Static", "[Event] public static partial class Static { }", "CTR003", false },
        { "Private", "public partial class Host { [Event] private partial record Private(int X); }", "CTR003", false },
        { "NoConstructor", "[Event] public partial class NoConstructor { private NoConstructor() { } public int X { get; set; } }", "CTR003", true },
        { "CollectionKey", "[Command] public partial record CollectionKey([property: IdempotencyKey] int[] Ids);", "CTR009", true },
        { "DoubleKey", "[Command] public partial record DoubleKey([property: IdempotencyKey] double Amount);", "CTR009", true },
        { "NestedRecordKey", "public sealed record Line(int N); [Command] public partial record NestedRecordKey([property: IdempotencyKey] Line Line);", "CTR009", true },
        { "ComputedKey", "[Command] public partial record ComputedKey(int A) { [IdempotencyKey] public string Key => A.ToString(); }", "CTR009", true },
        { "DoublePartitionKey", "[Command] public partial record DoublePartitionKey([property: PartitionKey] double Amount);", "CTR023", true },
        { "CollectionPartitionKey", "[Event] public partial record CollectionPartitionKey([property: PartitionKey] int[] Ids);", "CTR023", true },
        { "NestedRecordPartitionKey", "public sealed record Account(int N); [Command] public partial record NestedRecordPartitionKey([property: PartitionKey] Account Account);", "CTR023", true },
        { "ComputedPartitionKey", "[Command] public partial record ComputedPartitionKey(int A) { [PartitionKey] public string Key => A.ToString(); }", "CTR023", true },
        { "QueryPartitionKey", "[Query] public partial record QueryPartitionKey([property: PartitionKey] int Id) : IQuery<int>;", "CTR023", true },
        { "DuplicateIndex", "[Event] public partial record DuplicateIndex([property: MemberIndex(0)] int A, [property: MemberIndex(0)] int B);", "CTR004", true },
        { "IndexOutOfRange", "[Event] public partial record IndexOutOfRange([property: MemberIndex(256)] int A);", "CTR004", true },
        { "MultiDimensional", "[Event] public partial record MultiDimensional(int[,] Grid);", "CTR004", true },
        { "QueryWithoutResult", "[Query] public partial record QueryWithoutResult(int Id);", "CTR008", true },
    };

    [Theory]
    [MemberData(nameof(InvalidContracts))]
    public void InvalidContractsAreReportedByTheGeneratorAndKeepTheirSurfaceWhereTheyCan(string name, string declaration, string id, bool surface)
    {
        string source = $$"""
            using Contracts;

            namespace Shop;

            {{declaration}}
            """;
        GeneratorRun run = GeneratorHarness.RunRaw(GeneratorHarness.Compile(Valid, source));

        GeneratorHarness.AssertNoException(run);
        Diagnostic diagnostic = Assert.Single(run.Result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.True(diagnostic.Location.IsInSource, $"{diagnostic} is not in source");
        Assert.Equal("Source1.cs", diagnostic.Location.SourceTree!.FilePath);
        Assert.Contains(name, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);

        // Never in the catalog nor wired; where the declaration allows a partial, its surface keeps handlers compiling.
        Assert.DoesNotContain($"global::Shop.{name}", run.Source("ContractsModule.g.cs"));
        string? generated = run.Sources.Keys.SingleOrDefault(hint => hint.Contains($".{name}.", System.StringComparison.Ordinal));
        Assert.Equal(surface, generated is not null);
        if (generated is not null)
        {
            Assert.Contains("__ContractsUnavailableFormatter", run.Source(generated));
        }

        Assert.Contains("Contracts.Shop.PlaceOrder.g.cs", run.Sources.Keys);
        Assert.Empty(GeneratorHarness.ErrorsInGeneratedCode(run));
    }

    [Fact]
    public void HandlerOfAnInvalidContractIsNotRegistered()
    {
        GeneratorRun run = GeneratorHarness.RunRaw(GeneratorHarness.Compile(Valid, """
            using System.Threading;
            using System.Threading.Tasks;
            using Contracts;

            namespace Shop;

            [Command] public partial record Broken(object Value);

            public sealed class BrokenHandler : ICommandHandler<Broken>
            {
                public ValueTask HandleAsync(Broken command, MessageContext context, CancellationToken cancellationToken) => default;
            }

            public sealed class WrongKindHandler : IEventHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """));

        GeneratorHarness.AssertNoException(run);
        string module = run.Source("ContractsModule.g.cs");
        Assert.DoesNotContain("BrokenHandler", module);
        Assert.DoesNotContain("WrongKindHandler", module);
        Assert.Empty(GeneratorHarness.ErrorsInGeneratedCode(run));
    }

    [Fact]
    public void NothingIsGeneratedWithoutTheRuntime()
    {
        // Contracts-like attributes of another library: no runtime reference, so nothing to generate against.
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "NoRuntime",
            [GeneratorHarness.Parse("""
                namespace Contracts { public sealed class CommandAttribute : System.Attribute { } }
                namespace Shop { [Contracts.Command] public partial record PlaceOrder(int Id); }
                """, "Source0.cs")],
            GeneratorHarness.References.Where(r => r.Display?.Contains("Contracts.Runtime", System.StringComparison.Ordinal) != true),
            new(OutputKind.DynamicallyLinkedLibrary));
        GeneratorRun run = GeneratorHarness.RunRaw(compilation);

        GeneratorHarness.AssertNoException(run);
        Assert.DoesNotContain("ContractsModule.g.cs", run.Sources.Keys);
    }
}

/// <summary>The last-resort path: when emitting a contract fails, the public surface still compiles and serializing it throws clearly.</summary>
public sealed class FallbackTests
{
    [Fact]
    public void ContractWithoutFormatterStillCompilesWithoutWarnings()
    {
        const string source = """
            using System;
            using Contracts;

            namespace Shop;

            [Query]
            public partial record GetOrder([property: IdempotencyKey] Guid OrderId, int[] Lines) : IQuery<string?>;
            """;
        GeneratorRun run = GeneratorHarness.Run(source);
        Model.ContractSpec spec = Assert.IsType<Model.ContractSpec>(
            Assert.Single(run.Result.TrackedSteps[ContractsGeneratorSteps.Queries].SelectMany(s => s.Outputs)).Value);

        Model.ContractSpec fallback = ContractsGenerator.WithoutFormatter(spec, new System.InvalidOperationException("boom \"quoted\""));
        string text = Emit.ContractEmitter.Emit(fallback);

        Assert.Contains("__ContractsUnavailableFormatter", text);
        Assert.Contains("InvalidOperationException: boom \\\"quoted\\\"", text);
        Assert.Contains("GetIdempotencyKey(global::Shop.GetOrder message) => null;", text);
        Assert.Contains("resultTypeName: \"string\"", text);
        Microsoft.CodeAnalysis.SyntaxTree generated = GeneratorHarness.Parse(text, "Fallback.g.cs");
        Microsoft.CodeAnalysis.Compilation compilation = GeneratorHarness.Compile(source).AddSyntaxTrees(generated);
        GeneratorHarness.AssertNoErrors(compilation.GetDiagnostics(TestContext.Current.CancellationToken), "the fallback", [generated]);
    }

    [Fact]
    public void The_last_resort_diagnostic_keeps_its_id_category_severity_message_and_help_link()
    {
        DiagnosticDescriptor descriptor = ContractsGenerator.GeneratorError;
        Assert.Equal("CTR999", descriptor.Id);
        Assert.Equal("Contracts.Generator", descriptor.Category);
        Assert.Equal(DiagnosticSeverity.Error, descriptor.DefaultSeverity);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.Equal("The Contracts generator failed", descriptor.Title.ToString());
        Assert.Equal(
            "The Contracts generator failed on '{0}': {1}. Its contract still compiles but cannot be serialized. Please report this with the type's source.",
            descriptor.MessageFormat.ToString());
        Assert.Equal("https://github.com/contracts-dotnet/contracts/blob/main/docs/diagnostics/CTR999.md", descriptor.HelpLinkUri);
        Assert.Empty(descriptor.CustomTags);
    }
}
