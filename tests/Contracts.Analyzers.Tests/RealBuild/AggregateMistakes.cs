namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>The aggregate mistakes (CTR050-CTR054), each its own project, and a correct aggregate (see docs/aggregates.md).</summary>
internal static class AggregateMistakes
{
    private const string Usings = "using Contracts;\nusing Contracts.EventSourcing;\n\nnamespace Shop;\n\n";

    private const string Events = """
        [Event] public partial record OrderOpened(Guid OrderId);
        [Event] public partial record OrderShipped(Guid OrderId);
        [Command] public partial record ShipOrder([property: IdempotencyKey] Guid OrderId);
        public sealed record OrderState { public bool Open { get; init; } public bool Shipped { get; init; } }

        """;

    private static string Order(string body, string keyword = "public sealed partial class", string state = "OrderState") =>
        $"[Aggregate]\n{keyword} Order : Aggregate<{state}>\n{{\n{body}}}\n";

    private const string ApplyOpened = "    private void Apply(OrderOpened e) => State = State with { Open = true };\n";

    public static readonly Mistake[] All =
    [
        new("an aggregate raising an event it has no Apply for", "CTR050", true, Usings + Events
            + Order("    public void Ship(Guid id) => Raise(new OrderShipped(id));\n" + ApplyOpened)),
        new("an aggregate's Apply of a command", "CTR051", true, Usings + Events
            + Order(ApplyOpened + "    private void Apply(ShipOrder c) => State = State with { Shipped = true };\n")),
        new("an aggregate that is not partial", "CTR052", true, Usings + Events
            + Order(ApplyOpened, keyword: "public sealed class")),
        new("an aggregate state that cannot be serialized", "CTR053", true, Usings + Events
            + "public sealed class BadState { public Stream? Body { get; init; } }\n"
            + Order("", state: "BadState")),
        new("an aggregate's Apply that returns a value", "CTR054", true, Usings + Events
            + Order("    private OrderState Apply(OrderOpened e) => State with { Open = true };\n")),
    ];

    public static readonly CleanProgram[] Clean =
    [
        new("an event-sourced order with snapshots, loaded and saved by a command handler", Usings + Events + """
            [Aggregate(Name = "order", SnapshotEvery = 100)]
            public sealed partial class Order : Aggregate<OrderState>
            {
                public void Open(Guid id) => Raise(new OrderOpened(id));

                public void Ship(Guid id)
                {
                    if (!State.Open || State.Shipped)
                    {
                        throw new InvalidOperationException("Only an open order ships, once.");
                    }

                    Raise(new OrderShipped(id));
                }

                private void Apply(OrderOpened e) => State = State with { Open = true };

                private void Apply(OrderShipped e) => State = State with { Shipped = true };
            }

            public sealed class ShipOrderHandler(IAggregateStore aggregates) : ICommandHandler<ShipOrder>
            {
                public async ValueTask HandleAsync(ShipOrder command, MessageContext context, CancellationToken cancellationToken)
                {
                    Order order = await aggregates.LoadAsync<Order>(command.OrderId.ToString(), cancellationToken);
                    order.Ship(command.OrderId);
                    await aggregates.SaveAsync(order, AppendOptions.From(context), cancellationToken);
                }
            }
            """),
    ];
}
