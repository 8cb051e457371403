namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>The projection mistakes (CTR055-CTR058), each its own project, and a correct projection (see docs/projections.md).</summary>
internal static class ProjectionMistakes
{
    private const string Usings = "using Contracts;\n\nnamespace Shop;\n\n";

    private const string Events = "[Event] public partial record OrderPlaced(Guid OrderId, decimal Total);\n";

    private static string Step(string message) =>
        $"    public ValueTask ProjectAsync({message} message, ProjectionContext context, CancellationToken cancellationToken) => default;\n";

    private static string Projection(string bases, string body, string name = "OrderSummaries", string attribute = "[Projection]", string keyword = "public sealed partial class") =>
        $"{attribute}\n{keyword} {name} : {bases}\n{{\n{body}}}\n";

    public static readonly Mistake[] All =
    [
        new("a projection of a command", "CTR055", true, Usings + Events
            + "[Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);\n"
            + "public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder> { public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default; }\n"
            + Projection("IProjection<OrderPlaced>, IProjection<PlaceOrder>", Step("OrderPlaced") + Step("PlaceOrder"))),
        new("a projection of an unmarked record", "CTR055", true, Usings + Events
            + "public sealed record OrderNoted(Guid OrderId);\n"
            + Projection("IProjection<OrderPlaced>, IProjection<OrderNoted>", Step("OrderPlaced") + Step("OrderNoted"))),
        new("a projection that is not partial", "CTR056", true, Usings + Events
            + Projection("IProjection<OrderPlaced>", Step("OrderPlaced"), keyword: "public sealed class")),
        new("a projection that reads nothing", "CTR057", true, Usings + Events
            + Projection("System.IDisposable", "    public void Dispose() { }\n")),
        new("two projections of one name", "CTR058", true, Usings + Events
            + Projection("IProjection<OrderPlaced>", Step("OrderPlaced"), name: "OrderSummaries", attribute: "[Projection(Name = \"orders\")]")
            + Projection("IProjection<OrderPlaced>", Step("OrderPlaced"), name: "OrderTotals", attribute: "[Projection(Name = \"orders\")]")),
    ];

    public static readonly CleanProgram[] Clean =
    [
        new("an order summary projection, registered inline and async", Usings + """
            [Event] public partial record OrderPlaced(Guid OrderId, decimal Total);
            [Event] public partial record OrderShipped(Guid OrderId);
            public sealed class Summaries { public Dictionary<Guid, string> Rows { get; } = []; }
            [Projection]
            public sealed partial class OrderSummaries(Summaries summaries) : IProjection<OrderPlaced>, IProjection<OrderShipped>, IRebuildableProjection
            {
                public ValueTask ProjectAsync(OrderPlaced message, ProjectionContext context, CancellationToken cancellationToken)
                {
                    summaries.Rows[message.OrderId] = $"placed {message.Total} at {context.Recorded.Position}";
                    return default;
                }

                public ValueTask ProjectAsync(OrderShipped message, ProjectionContext context, CancellationToken cancellationToken)
                {
                    summaries.Rows[message.OrderId] = "shipped";
                    return default;
                }

                public ValueTask ResetAsync(ProjectionContext context, CancellationToken cancellationToken)
                {
                    summaries.Rows.Clear();
                    return default;
                }
            }
            public static class Setup
            {
                public static void Register(ContractsOptions inline, ContractsOptions later)
                {
                    inline.Projections.Add<OrderSummaries>(ProjectionMode.Inline);
                    later.Projections.Add<OrderSummaries>(ProjectionMode.Async, p => p.BatchSize = 100);
                }
            }
            """),
    ];
}
