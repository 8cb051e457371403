using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>
/// A contract's or handler's parse is reused across compilations while nothing it read has changed: every change that
/// reaches it without its own file changing (a member's type, a base record, an enum, a constant, a partial part, a type
/// that now shadows a name, a global using, a removed file, the references) must give what a fresh driver gives.
/// </summary>
public sealed class ParseReuseTests
{
    private const string Contract = """
        using System;
        using System.Collections.Generic;
        using Contracts;
        using Shop.Values;

        namespace Shop;

        [Command]
        public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, Money Total, IReadOnlyList<Line> Lines, Status Status, string Channel = Defaults.Channel) : Audited;

        public sealed record OrderView(Guid OrderId, Money Total);

        [Query]
        public partial record GetOrder(Guid OrderId) : IQuery<Summary>;
        """;

    private const string Values = """
        namespace Shop.Values;

        public sealed record Money(decimal Amount, string Currency);
        """;

    private const string Lines = """
        namespace Shop;

        public sealed record Line(string Sku, int Quantity);
        """;

    private const string Status = """
        namespace Shop;

        public enum Status { Open, Closed }
        """;

    private const string Defaults = """
        namespace Shop;

        public static class Defaults
        {
            public const string Channel = "web";
        }
        """;

    private const string Audited = """
        namespace Shop;

        public abstract record Audited
        {
            public string? Tenant { get; init; }
        }
        """;

    private const string Summary = """
        namespace Shop;

        public sealed record Summary(int Count);
        """;

    private const string Clock = """
        namespace Shop;

        public interface IClock { }
        """;

    private const string Handlers = """
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        namespace Shop;

        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public PlaceOrderHandler(IClock clock) { }

            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }

        public sealed class GetOrderHandler : IQueryHandler<GetOrder, Summary>
        {
            public ValueTask<Summary> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) =>
                ValueTask.FromResult(new Summary(1));
        }
        """;

    private static readonly string[] s_files = [Contract, Values, Lines, Status, Defaults, Audited, Summary, Clock, Handlers];

    private const string PlaceOrderFile = "Contracts.Shop.PlaceOrder.g.cs";
    private const string GetOrderFile = "Contracts.Shop.GetOrder.g.cs";
    private const string ModuleFile = "ContractsModule.g.cs";

    [Fact]
    public void AnUnrelatedFileReusesEveryParseAndChangesNothing()
    {
        (GeneratorRun first, CSharpCompilation compilation) = Start();
        GeneratorRun second = AssertAsFresh(first, compilation.AddSyntaxTrees(GeneratorHarness.Parse("namespace Other; public static class Edit { }", "Edit.cs")));
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void AMemberTypeEditedInItsOwnFileRegeneratesTheContract()
    {
        GeneratorRun second = Replace(Lines, "string Sku, int Quantity", "string Sku, int Quantity, decimal Price", out GeneratorRun first);
        AssertChanged(first, second, PlaceOrderFile, "Price");
    }

    [Fact]
    public void AMemberIndexOnANestedRecordElsewhereRegeneratesTheContract()
    {
        GeneratorRun second = Replace(Lines, "string Sku, int Quantity", "[property: Contracts.MemberIndex(3)] string Sku, int Quantity", out GeneratorRun first);
        Assert.NotEqual(first.Source(PlaceOrderFile), second.Source(PlaceOrderFile));
    }

    [Fact]
    public void AMemberTypeOfAMemberTypeEditedRegeneratesTheContract()
    {
        GeneratorRun second = Replace(Values, "decimal Amount, string Currency", "decimal Amount, string Currency, int Scale", out GeneratorRun first);
        AssertChanged(first, second, PlaceOrderFile, "Scale");
    }

    [Fact]
    public void AnEnumValueAddedElsewhereRegeneratesTheContract()
    {
        GeneratorRun second = Replace(Status, "Open, Closed", "Open, Closed, Cancelled = 7", out GeneratorRun first);
        AssertChanged(first, second, PlaceOrderFile, "7");
    }

    [Fact]
    public void AConstantEditedElsewhereRegeneratesTheContract()
    {
        GeneratorRun second = Replace(Defaults, "\"web\"", "\"mobile\"", out GeneratorRun first);
        AssertChanged(first, second, PlaceOrderFile, "\"mobile\"");
    }

    [Fact]
    public void ABaseRecordEditedElsewhereRegeneratesTheContract()
    {
        GeneratorRun second = Replace(Audited, "public string? Tenant { get; init; }", "public string? Tenant { get; init; }\n    public int Region { get; init; }", out GeneratorRun first);
        AssertChanged(first, second, PlaceOrderFile, "Region");
    }

    [Fact]
    public void AQueryResultEditedElsewhereRegeneratesTheQuery()
    {
        GeneratorRun second = Replace(Summary, "int Count", "int Count, string Label", out GeneratorRun first);
        AssertChanged(first, second, GetOrderFile, "Label");
    }

    [Fact]
    public void ANullableDirectiveElsewhereChangesWhatANestedRecordRejects()
    {
        GeneratorRun second = Replace(Lines, "namespace Shop;", "#nullable disable\nnamespace Shop;", out GeneratorRun first);
        Assert.NotEqual(first.Source(PlaceOrderFile), second.Source(PlaceOrderFile));
    }

    [Fact]
    public void AnEditInAFileOfTheSameNamespaceStaysAsFresh()
    {
        GeneratorRun second = Replace(Defaults, "public const string Channel = \"web\";", "public const string Channel = \"web\";\n    public static int Other() => 1;", out GeneratorRun first);
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void APartialPartInANewFileAddsItsMember()
    {
        (GeneratorRun first, CSharpCompilation compilation) = Start();
        GeneratorRun second = AssertAsFresh(first, compilation.AddSyntaxTrees(GeneratorHarness.Parse(
            "namespace Shop; public partial record PlaceOrder { public string? Note { get; init; } }", "Part.cs")));
        AssertChanged(first, second, PlaceOrderFile, "Note");
    }

    [Fact]
    public void ATypeInANewFileThatShadowsAMemberTypeRebindsIt()
    {
        // A type in the contract's own namespace wins over one its using imports; so does a global alias, below.
        (GeneratorRun first, CSharpCompilation compilation) = Start();
        GeneratorRun second = AssertAsFresh(first, compilation.AddSyntaxTrees(GeneratorHarness.Parse(
            "namespace Shop; public sealed record Money(long Cents);", "Shadow.cs")));
        AssertChanged(first, second, PlaceOrderFile, "global::Shop.Money");
    }

    [Fact]
    public void AGlobalUsingInANewFileIsSeen()
    {
        (GeneratorRun first, CSharpCompilation compilation) = Start();
        CSharpCompilation changed = compilation.AddSyntaxTrees(
            GeneratorHarness.Parse("global using Money = Shop.Summary;", "Usings.cs"));
        GeneratorRun second = AssertAsFresh(first, changed);
        Assert.NotEqual(first.Source(PlaceOrderFile), second.Source(PlaceOrderFile));
    }

    [Fact]
    public void ARemovedFileBreaksWhatDependedOnIt()
    {
        (GeneratorRun first, CSharpCompilation compilation) = Start();
        GeneratorRun second = AssertAsFresh(first, compilation.RemoveSyntaxTrees(compilation.SyntaxTrees.Single(t => t.FilePath == Path(Values))));
        Assert.NotEqual(Describe(first), Describe(second));
    }

    [Fact]
    public void AMessageRemarkedInItsOwnFileIsSeenByItsHandler()
    {
        GeneratorRun second = Replace(Contract, "[Command]", "[Event]", out GeneratorRun first);
        Assert.Contains(second.Result.Diagnostics, d => d.Id == "CTR007");
        Assert.DoesNotContain(first.Result.Diagnostics, d => d.Id == "CTR007");
    }

    [Fact]
    public void AHandlersConstructorParameterEditedElsewhereChangesItsRegistration()
    {
        GeneratorRun second = Replace(Clock, "public interface IClock { }", "public struct IClock { }", out GeneratorRun first);
        Assert.NotEqual(first.Source(ModuleFile), second.Source(ModuleFile));
    }

    [Fact]
    public void NewReferencesParseEverythingAgain()
    {
        (GeneratorRun first, CSharpCompilation compilation) = Start();
        CSharpCompilation library = GeneratorHarness.Compile("Library", ["namespace Shop { public sealed record Money(int Units); }"], []);
        AssertAsFresh(first, compilation.AddReferences(library.ToMetadataReference()));
    }

    [Fact]
    public void EditsInARowStayAsFresh()
    {
        // Each run starts from the last: the kept parses move from compilation to compilation.
        (GeneratorRun run, CSharpCompilation compilation) = Start();
        string[] edits = ["class A { }", "class Line { }", "class B { }", "namespace Shop.Values { class C { } }", "class D { }"];
        foreach (string edit in edits)
        {
            compilation = compilation.AddSyntaxTrees(GeneratorHarness.Parse(edit, $"Edit{compilation.SyntaxTrees.Length}.cs"));
            run = AssertAsFresh(run, compilation);
        }

        compilation = compilation.RemoveSyntaxTrees(compilation.SyntaxTrees.Where(t => t.FilePath.StartsWith("Edit", System.StringComparison.Ordinal)));
        AssertAsFresh(run, compilation);
    }

    [Fact]
    public void AnOlderVersionEditedElsewhereChangesTheUpcast()
    {
        const string older = """
            using System;
            using Contracts;

            namespace Shop.Orders;

            [Event(Name = "shop.order-placed")]
            public partial record OrderPlacedV1(Guid OrderId, int Count);
            """;
        const string newer = """
            using System;
            using Contracts;

            namespace Shop.Orders;

            [Event(Name = "shop.order-placed", Version = 2)]
            [UpcastFrom(typeof(OrderPlacedV1))]
            public partial record OrderPlaced(Guid OrderId, long Count);
            """;
        CSharpCompilation compilation = GeneratorHarness.Compile(older, newer);
        GeneratorRun first = GeneratorHarness.Run(compilation);
        SyntaxTree old = compilation.SyntaxTrees[0];
        GeneratorRun second = AssertAsFresh(first, compilation.ReplaceSyntaxTree(old, GeneratorHarness.Parse(older.Replace("int Count", "decimal Count"), old.FilePath)));

        const string hintName = "Contracts.Shop.Orders.OrderPlaced.g.cs";
        Assert.Contains("(older.OrderId, older.Count)", first.Source(hintName));
        Assert.Contains("(older.OrderId, default)", second.Source(hintName));
    }

    [Fact]
    public void TreesRemovedBeforeManyOthersAreTold()
    {
        // Every later tree moves: the change is found by set, not position, and the dependency's removal still breaks the contract.
        (GeneratorRun first, CSharpCompilation compilation) = Start(fillers: 12);
        GeneratorRun second = AssertAsFresh(first, compilation.RemoveSyntaxTrees(compilation.SyntaxTrees[0]));
        Assert.Equal(first.Sources, second.Sources);

        CSharpCompilation shifted = compilation.RemoveSyntaxTrees(compilation.SyntaxTrees[0], compilation.SyntaxTrees.Single(t => t.FilePath == Path(Values)));
        GeneratorRun third = AssertAsFresh(second, shifted);
        Assert.NotEqual(Describe(second), Describe(third));
    }

    private static (GeneratorRun Run, CSharpCompilation Compilation) Start(int fillers = 0)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile("TestAssembly", [], [])
            .AddSyntaxTrees(Enumerable.Range(0, fillers).Select(i => GeneratorHarness.Parse($"namespace Filler; public static class F{i} {{ }}", $"Filler{i}.cs")))
            .AddSyntaxTrees(s_files.Select(f => GeneratorHarness.Parse(f, Path(f))));
        GeneratorRun first = GeneratorHarness.Run(compilation);
        return (first, compilation);
    }

    private static string Path(string file) => $"File{System.Array.IndexOf(s_files, file)}.cs";

    private static GeneratorRun Replace(string file, string oldText, string newText, out GeneratorRun first)
    {
        CSharpCompilation compilation;
        (first, compilation) = Start();
        Assert.Contains(oldText, file);
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == Path(file));
        return AssertAsFresh(first, compilation.ReplaceSyntaxTree(old, GeneratorHarness.Parse(file.Replace(oldText, newText), old.FilePath)));
    }

    /// <summary>Runs <paramref name="changed"/> on the previous run's driver and on a fresh one; both must give the same sources and diagnostics.</summary>
    private static GeneratorRun AssertAsFresh(GeneratorRun previous, CSharpCompilation changed)
    {
        GeneratorRun reused = GeneratorHarness.RunRaw(changed, previous.Driver);
        GeneratorRun fresh = GeneratorHarness.RunRaw(changed);
        GeneratorHarness.AssertNoException(reused);
        Assert.Equal(fresh.Sources.OrderBy(s => s.Key, System.StringComparer.Ordinal), reused.Sources.OrderBy(s => s.Key, System.StringComparer.Ordinal));
        Assert.Equal(Describe(fresh), Describe(reused));
        return reused;
    }

    private static void AssertChanged(GeneratorRun first, GeneratorRun second, string hintName, string expected)
    {
        Assert.DoesNotContain(expected, first.Source(hintName));
        Assert.Contains(expected, second.Source(hintName));
    }

    private static List<string> Describe(GeneratorRun run) =>
        run.Result.Diagnostics.Select(GeneratorHarness.Describe).Order(System.StringComparer.Ordinal).ToList();
}
