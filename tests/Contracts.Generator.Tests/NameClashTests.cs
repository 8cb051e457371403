using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>Inputs that once made the generator throw (CS8785, losing all output) or its output warn.</summary>
public sealed class NameClashTests
{
    [Fact]
    public void Contracts_whose_names_differ_only_in_case_are_all_generated_under_distinct_hint_names()
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.Compile("""
            using System;
            using Contracts;

            namespace Shop
            {
                [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
                [Command] public partial record placeOrder([property: IdempotencyKey] Guid OrderId);
                [Event] public partial record PLACEORDER(Guid OrderId);
            }

            namespace shop
            {
                [Event] public partial record PlaceOrder(Guid OrderId);
            }
            """));

        string[] hints = run.Sources.Keys.Where(h => h != "ContractsModule.g.cs").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(4, hints.Length);
        Assert.Equal(4, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        string module = run.Source("ContractsModule.g.cs");
        foreach (string type in new[] { "global::Shop.PlaceOrder", "global::Shop.placeOrder", "global::Shop.PLACEORDER", "global::shop.PlaceOrder" })
        {
            Assert.Contains(type, module, StringComparison.Ordinal);
            Assert.Single(run.Sources.Values, text => text.Contains($"global::Contracts.IContract<{type}>", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Adding_a_case_only_twin_keeps_the_generator_running_and_removing_it_restores_the_plain_hint_name()
    {
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation = GeneratorHarness.Compile("""
            using Contracts;
            namespace Shop;
            [Event] public partial record OrderPlaced(int Id);
            """);
        GeneratorRun first = GeneratorHarness.Run(compilation);
        SyntaxTree twin = GeneratorHarness.Parse("""
            using Contracts;
            namespace Shop;
            [Event] public partial record orderPlaced(int Id);
            """, "Twin.cs");
        GeneratorRun second = GeneratorHarness.Run(compilation.AddSyntaxTrees(twin), first.Driver);
        Assert.Equal(3, second.Sources.Count);
        GeneratorRun third = GeneratorHarness.Run(compilation, second.Driver);
        Assert.Equal(first.Sources, third.Sources);
    }

    [Fact]
    public void A_partial_contract_marked_in_two_declarations_is_generated_and_reported_once()
    {
        GeneratorRun run = GeneratorHarness.RunRaw(GeneratorHarness.Compile(
            """
            using Contracts;
            namespace Shop;
            [Event] public partial record Twice(int Id);
            """,
            """
            using Contracts;
            namespace Shop;
            [Event] public partial record Twice;
            """));

        GeneratorHarness.AssertNoException(run);
        Assert.Empty(run.Result.Diagnostics);
        Assert.Single(run.Sources.Keys, h => h.Contains(".Twice.", StringComparison.Ordinal));
        Assert.Empty(GeneratorHarness.ErrorsInGeneratedCode(run));
    }

    [Fact]
    public void A_contract_deriving_from_another_contract_compiles_without_warnings()
    {
        // Run asserts the output compiles with no warning at all (CS0108 would break -warnaserror builds).
        GeneratorRun run = GeneratorHarness.Run("""
            using System;
            using Contracts;

            namespace Shop;

            [Event] public partial record OrderPlaced(Guid OrderId, decimal Total);

            [Event] public partial record ExpressOrderPlaced(Guid OrderId, decimal Total, string Courier) : OrderPlaced(OrderId, Total);

            [Event] public partial record SameDayOrderPlaced(Guid OrderId, decimal Total, string Courier, int Hour) : ExpressOrderPlaced(OrderId, Total, Courier);
            """);

        Assert.Contains("global::Contracts.IContract<global::Shop.ExpressOrderPlaced>", run.Source("Contracts.Shop.ExpressOrderPlaced.g.cs"));
        Assert.Contains("global::Contracts.IContract<global::Shop.SameDayOrderPlaced>", run.Source("Contracts.Shop.SameDayOrderPlaced.g.cs"));
    }
}
