using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>
/// [Aggregate] classes: the generated definition and Apply switch (approved snapshot), each aggregate rule reported by the
/// generator where the mistake is, and half-typed aggregates that never crash it.
/// </summary>
public sealed class AggregateTests
{
    private const string Events = """
        using System;
        using System.Collections.Generic;
        using Contracts;

        namespace Shop.Orders;

        [Event] public partial record OrderOpened(Guid OrderId, string Customer);
        [Event] public partial record LineAdded(Guid OrderId, string Sku, int Quantity);
        [Event] public partial record OrderShipped(Guid OrderId);
        [Command] public partial record ShipOrder([property: IdempotencyKey] Guid OrderId);

        public enum Stage { Open, Shipped }

        public sealed record Line(string Sku, int Quantity);

        public sealed record OrderState
        {
            public Stage Stage { get; init; }

            public IReadOnlyList<Line> Lines { get; init; } = [];
        }

        """;

    [Fact]
    public void AggregateWithStateAndApplies()
    {
        GeneratorRun run = GeneratorHarness.Run(Events + """
            [Aggregate(Name = "order", SnapshotEvery = 50, StateVersion = 2)]
            public sealed partial class Order : Aggregate<OrderState>
            {
                public void Open(Guid id, string customer) => Raise(new OrderOpened(id, customer));

                public void Add(Guid id, string sku, int quantity) => Raise(new LineAdded(id, sku, quantity));

                private void Apply(OrderOpened e) => State = State with { Stage = Stage.Open };

                private void Apply(LineAdded e) => State = State with { Lines = [.. State.Lines, new Line(e.Sku, e.Quantity)] };
            }
            """);

        string source = run.Source("Contracts.Aggregate.Shop.Orders.Order.g.cs");
        Assert.Contains("partial class Order : global::Contracts.EventSourcing.IAggregateDefinition<global::Shop.Orders.Order>", source);
        Assert.Contains("AggregateName => \"order\";", source);
        Assert.Contains("SnapshotEvery => 50;", source);
        Assert.Contains("StateShape => \"2-", source);
        Assert.Contains("case global::Shop.Orders.LineAdded e:", source);
        Assert.Contains("case global::Shop.Orders.OrderOpened e:", source);
        Assert.DoesNotContain("OrderShipped", source);
        GeneratorHarness.VerifySnapshots(run);
    }

    [Fact]
    public void The_stream_name_defaults_to_the_class_name_in_kebab_case_and_the_state_shape_follows_the_state()
    {
        string Shape(string state) => Aggregate(state, "[Aggregate]", "ShoppingCart").Source("Contracts.Aggregate.Shop.Orders.ShoppingCart.g.cs");

        string one = Shape("public sealed record CartState { public int Items { get; init; } }");
        Assert.Contains("AggregateName => \"shopping-cart\";", one);
        Assert.Contains("SnapshotEvery => 0;", one);
        Assert.Equal(StateShape(one), StateShape(Shape("public sealed record CartState { public int Items { get; init; } }")));
        Assert.NotEqual(StateShape(one), StateShape(Shape("public sealed record CartState { public long Items { get; init; } }")));
        Assert.NotEqual(StateShape(one), StateShape(Shape("public sealed record CartState { public int Items { get; init; } public string Note { get; init; } = \"\"; }")));
        Assert.StartsWith("1-", StateShape(one));
    }

    private static string StateShape(string source)
    {
        const string marker = "StateShape => \"";
        int start = source.IndexOf(marker, System.StringComparison.Ordinal) + marker.Length;
        return source[start..source.IndexOf('"', start)];
    }

    private static GeneratorRun Aggregate(string state, string attribute, string name) => GeneratorHarness.Run($$"""
        using System;
        using Contracts;

        namespace Shop.Orders;

        [Event] public partial record ItemAdded(Guid CartId);

        {{state}}

        {{attribute}}
        public sealed partial class {{name}} : Aggregate<CartState>
        {
            public void Add(Guid id) => Raise(new ItemAdded(id));

            private void Apply(ItemAdded e) => State = State with { Items = State.Items + 1 };
        }
        """);

    public static TheoryData<string, string, string> Mistakes => new()
    {
        { "CTR050", "raises an event without an Apply", """
            [Aggregate]
            public sealed partial class Order : Aggregate<OrderState>
            {
                public void Open(Guid id) => Raise(new OrderOpened(id, "ada"));

                public void Ship(Guid id) => {|#0:Raise(new OrderShipped(id))|};

                private void Apply(OrderOpened e) => State = State with { Stage = Stage.Open };
            }
            """ },
        { "CTR051", "an Apply of a command", """
            [Aggregate]
            public sealed partial class Order : Aggregate<OrderState>
            {
                private void Apply(OrderOpened e) => State = State with { Stage = Stage.Open };

                private void {|#0:Apply|}(ShipOrder c) => State = State with { Stage = Stage.Shipped };
            }
            """ },
        { "CTR052", "not partial", """
            [Aggregate]
            public sealed class {|#0:Order|} : Aggregate<OrderState>
            {
                private void Apply(OrderOpened e) => State = State with { Stage = Stage.Open };
            }
            """ },
        { "CTR052", "not an Aggregate<TState>", """
            [Aggregate]
            public sealed partial class {|#0:Order|}
            {
            }
            """ },
        { "CTR052", "a negative snapshot interval", """
            [Aggregate(SnapshotEvery = -5)]
            public sealed partial class {|#0:Order|} : Aggregate<OrderState>
            {
            }
            """ },
        { "CTR052", "a stream name with a space", """
            [Aggregate(Name = "my order")]
            public sealed partial class {|#0:Order|} : Aggregate<OrderState>
            {
            }
            """ },
        { "CTR052", "no parameterless constructor", """
            [Aggregate]
            public sealed partial class {|#0:Order|}(int seed) : Aggregate<OrderState>
            {
                public int Seed => seed;
            }
            """ },
        { "CTR053", "a state that cannot be serialized", """
            public sealed class BadState { public System.IO.Stream? Body { get; init; } }

            [Aggregate]
            public sealed partial class {|#0:Order|} : Aggregate<BadState>
            {
            }
            """ },
        { "CTR054", "an Apply that returns a value", """
            [Aggregate]
            public sealed partial class Order : Aggregate<OrderState>
            {
                private int {|#0:Apply|}(OrderOpened e) => 1;
            }
            """ },
        { "CTR054", "a static Apply", """
            [Aggregate]
            public sealed partial class Order : Aggregate<OrderState>
            {
                private static void {|#0:Apply|}(OrderOpened e) { }
            }
            """ },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Each_mistake_is_reported_once_where_it_is(string id, string what, string aggregate)
    {
        (string source, int start, int end) = Marked(Events + aggregate);
        GeneratorRun run = GeneratorHarness.RunRaw(GeneratorHarness.Compile(source));
        GeneratorHarness.AssertNoException(run);
        Diagnostic reported = Assert.Single(run.Result.Diagnostics);
        Assert.True(reported.Id == id, $"{what}: expected {id}, got {GeneratorHarness.Describe(reported)}");
        Assert.Equal(start, reported.Location.SourceSpan.Start);
        Assert.Equal(end, reported.Location.SourceSpan.End);
        Assert.Contains("Order", reported.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(GeneratorHarness.ErrorsInGeneratedCode(run));
    }

    [Fact]
    public void A_raise_the_compiler_cannot_type_and_an_Apply_of_a_base_event_are_not_reported()
    {
        GeneratorHarness.Run(Events + """
            [Event] public partial record Noted(string Text);
            [Event] public partial record Flagged(string Text) : Noted(Text);

            [Aggregate]
            public sealed partial class Order : Aggregate<OrderState>
            {
                public void Any(IEvent e) => Raise(e);

                public void Flag() => Raise(new Flagged("x"));

                private void Apply(Noted e) => State = State with { Stage = Stage.Open };
            }
            """);
    }

    public static TheoryData<string, string> HalfTyped => new()
    {
        { "unknown state type", "[Aggregate] public sealed partial class Order : Aggregate<Missing> { private void Apply(OrderOpened e) { } }" },
        { "unknown event in an Apply", "[Aggregate] public sealed partial class Order : Aggregate<OrderState> { private void Apply(Missing e) { } }" },
        { "Raise of an unknown type", "[Aggregate] public sealed partial class Order : Aggregate<OrderState> { public void X() => Raise(new Missing()); private void Apply(OrderOpened e) { } }" },
        { "Apply without a body or parameter type", "[Aggregate] public sealed partial class Order : Aggregate<OrderState> { private void Apply( }" },
        { "attribute arguments half typed", "[Aggregate(SnapshotEvery = , Name = 3)] public sealed partial class Order : Aggregate<OrderState> { }" },
        { "no class name", "[Aggregate] public sealed partial class : Aggregate<OrderState> { }" },
        { "generic aggregate", "[Aggregate] public sealed partial class Order<T> : Aggregate<OrderState> { }" },
    };

    [Theory]
    [MemberData(nameof(HalfTyped))]
    public void Half_typed_aggregates_never_crash_the_generator(string what, string aggregate)
    {
        GeneratorRun run = GeneratorHarness.RunRaw(GeneratorHarness.Compile(Events + aggregate));
        GeneratorHarness.AssertNoException(run);
        Assert.True(GeneratorHarness.ErrorsInGeneratedCode(run).Length == 0, $"{what}: errors in generated code:\n{string.Join("\n", GeneratorHarness.ErrorsInGeneratedCode(run).Select(GeneratorHarness.Describe))}");
        Assert.DoesNotContain(run.Result.Diagnostics, d => d.Id == "CTR999");
    }

    /// <summary>The source without its {|#0: ... |} marker, and the marked span.</summary>
    private static (string Source, int Start, int End) Marked(string text)
    {
        int start = text.IndexOf("{|#0:", System.StringComparison.Ordinal);
        string without = text.Remove(start, 5);
        int end = without.IndexOf("|}", start, System.StringComparison.Ordinal);
        return (without.Remove(end, 2), start, end);
    }
}
