using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>An edit re-runs only what it touches: unrelated edits leave every step cached, a contract edit regenerates that contract only.</summary>
public sealed class IncrementalTests
{
    private const string PlaceOrder = """
        using System;
        using Contracts;

        namespace Shop;

        [Command]
        public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, string Sku);
        """;

    private const string OrderPlaced = """
        using System;
        using Contracts;

        namespace Shop;

        [Event]
        public partial record OrderPlaced(Guid OrderId, decimal Total);
        """;

    private const string GetOrder = """
        using System;
        using Contracts;

        namespace Shop;

        public sealed record OrderView(Guid OrderId, string Sku);

        [Query]
        public partial record GetOrder(Guid OrderId) : IQuery<OrderView>;
        """;

    private const string Handlers = """
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        namespace Shop;

        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }

        [Idempotent]
        public sealed class Mailer : IEventHandler<OrderPlaced>
        {
            public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }

        public sealed class GetOrderHandler : IQueryHandler<GetOrder, OrderView>
        {
            public ValueTask<OrderView> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) =>
                ValueTask.FromResult(new OrderView(query.OrderId, "sku"));
        }

        [Command]
        public partial record OpenCart([property: SagaId] System.Guid CartId);

        public sealed record CartState
        {
            public int Items { get; init; }
        }

        [Saga]
        public sealed partial class CartSaga : Saga<CartState>, IStartedBy<OpenCart>
        {
            public ValueTask HandleAsync(OpenCart message, SagaContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }

        [Event]
        public partial record ItemCounted(System.Guid CartId);

        [Aggregate]
        public sealed partial class Cart : Aggregate<CartState>
        {
            public void Count(System.Guid id) => Raise(new ItemCounted(id));

            private void Apply(ItemCounted e) => State = State with { Items = State.Items + 1 };
        }

        [Projection]
        public sealed partial class OrderCounts : IProjection<OrderPlaced>
        {
            public ValueTask ProjectAsync(OrderPlaced e, ProjectionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }
        """;

    [Fact]
    public void UnrelatedFileLeavesEveryStepCached()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(PlaceOrder, OrderPlaced, GetOrder, Handlers);
        GeneratorRun first = GeneratorHarness.Run(compilation);

        CSharpCompilation edited = compilation.AddSyntaxTrees(GeneratorHarness.Parse("""
            namespace Shop;

            public static class Unrelated
            {
                public static int Answer() => 42;
            }
            """, "Unrelated.cs"));
        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        AssertSteps(second.Result, GeneratorHarness.StepNames, static (_, _) => true);
        AssertOutputs(second.Result, static _ => false);
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void EveryNamedStepRuns()
    {
        // Guards the other tests: a step that never runs (renamed, or its tracking name dropped) would pass them vacuously.
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.Compile(PlaceOrder, OrderPlaced, GetOrder, Handlers));
        foreach (string step in GeneratorHarness.StepNames)
        {
            Assert.True(run.Result.TrackedSteps.ContainsKey(step), $"Step '{step}' did not run.");
        }
    }

    [Fact]
    public void EditingAContractRegeneratesOnlyThatContract()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(PlaceOrder, OrderPlaced, GetOrder, Handlers);
        GeneratorRun first = GeneratorHarness.Run(compilation);

        SyntaxTree old = compilation.SyntaxTrees.First();
        SyntaxTree changed = GeneratorHarness.Parse(PlaceOrder.Replace("string Sku)", "string Sku, int Quantity)"), old.FilePath);
        GeneratorRun second = GeneratorHarness.Run(compilation.ReplaceSyntaxTree(old, changed), first.Driver);

        const string edited = "Contracts.Shop.PlaceOrder.g.cs";
        Assert.NotEqual(first.Source(edited), second.Source(edited));
        Assert.Contains("int __Quantity", second.Source(edited));
        foreach ((string hintName, string text) in first.Sources)
        {
            if (hintName != edited)
            {
                Assert.Equal(text, second.Source(hintName));
            }
        }

        // Only PlaceOrder's spec changed; the module (same contracts, same handlers) is unchanged.
        AssertSteps(second.Result, GeneratorHarness.StepNames, static (step, value) => !(step == ContractsGeneratorSteps.Commands && value is ContractSpec { Name: "PlaceOrder" }));
        AssertOutputs(second.Result, static input => input is ContractSpec { Name: "PlaceOrder" });
    }

    /// <summary>Every output of the named steps is Cached or Unchanged, except values <paramref name="mustBeCached"/> exempts, which must be Modified.</summary>
    private static void AssertSteps(GeneratorRunResult result, IEnumerable<string> steps, System.Func<string, object, bool> mustBeCached)
    {
        foreach (string step in steps)
        {
            Assert.True(result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs), $"Step '{step}' did not run.");
            foreach (IncrementalGeneratorRunStep run in runs)
            {
                foreach ((object value, IncrementalStepRunReason reason) in run.Outputs)
                {
                    if (mustBeCached(step, value))
                    {
                        Assert.True(
                            reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                            $"Step '{step}' output {Describe(value)} is {reason}; expected Cached or Unchanged.");
                    }
                    else
                    {
                        Assert.True(reason == IncrementalStepRunReason.Modified, $"Step '{step}' output {Describe(value)} is {reason}; expected Modified.");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Every source output (one per contract, one for the module) is Cached or Unchanged, except those whose input
    /// <paramref name="mayChange"/> accepts, which must have re-run; at least one such must exist when any is expected.
    /// </summary>
    private static void AssertOutputs(GeneratorRunResult result, System.Func<object, bool> mayChange)
    {
        Assert.NotEmpty(result.TrackedOutputSteps);
        int changed = 0;
        foreach (IncrementalGeneratorRunStep run in result.TrackedOutputSteps.SelectMany(static p => p.Value))
        {
            object? input = Unwrap(run.Inputs.Length == 0 ? null : run.Inputs[0].Source.Outputs[run.Inputs[0].OutputIndex].Value);
            foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
            {
                if (input is not null && mayChange(input))
                {
                    Assert.True(reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New, $"Output of {Describe(input)} is {reason}; expected it to be regenerated.");
                    changed++;
                }
                else
                {
                    Assert.True(
                        reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                        $"Output of {Describe(input)} is {reason}; expected Cached or Unchanged.");
                }
            }
        }

        if (result.TrackedOutputSteps.SelectMany(static p => p.Value).Any(r => r.Inputs.Length > 0 && mayChange(Unwrap(r.Inputs[0].Source.Outputs[r.Inputs[0].OutputIndex].Value)!)))
        {
            Assert.True(changed > 0, "The edited contract's output was not regenerated.");
        }
    }

    /// <summary>A contract's output takes the contract combined with the clashing hint names: the contract is what changed.</summary>
    private static object? Unwrap(object? input) => input is (ContractSpec spec, EquatableArray<string>) ? spec : input;

    private static string Describe(object? value) => value switch
    {
        null => "(none)",
        ContractSpec spec => $"contract {spec.Name}",
        ModuleSpec module => $"module {module.AssemblyName}",
        _ => value.ToString() ?? value.GetType().Name,
    };
}
