namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>The saga mistakes (CTR030-CTR038), each its own project, and a correct saga (see docs/sagas.md).</summary>
internal static class SagaMistakes
{
    private const string Usings = "using Contracts;\n\nnamespace Shop;\n\n";

    private const string State = "public sealed record OrderState { public int Steps { get; init; } }\n";

    private const string Start = "[Command] public partial record PlaceOrder([property: SagaId] Guid OrderId);\n";

    private static string Step(string message) =>
        $"    public ValueTask HandleAsync({message} message, SagaContext context, CancellationToken cancellationToken) => default;\n";

    private static string Saga(string bases, string body, string attribute = "[Saga]", string keyword = "public sealed partial class") =>
        $"{attribute}\n{keyword} OrderSaga : {bases}\n{{\n{body}}}\n";

    public static readonly Mistake[] All =
    [
        new("a saga step of an event without [SagaId]", "CTR030", true, Usings + Start + State
            + "[Event] public partial record Paid(Guid OrderId);\n"
            + Saga("Saga<OrderState>, IStartedBy<PlaceOrder>, IHandles<Paid>", Step("PlaceOrder") + Step("Paid"))),
        new("saga ids of two types", "CTR030", true, Usings + Start + State
            + "[Event] public partial record Paid([property: SagaId] string OrderId);\n"
            + Saga("Saga<OrderState>, IStartedBy<PlaceOrder>, IHandles<Paid>", Step("PlaceOrder") + Step("Paid"))),
        new("a saga no message starts", "CTR031", true, Usings + Start + State
            + Saga("Saga<OrderState>, IHandles<PlaceOrder>", Step("PlaceOrder"))),
        new("a saga that compensates one command and not another", "CTR032", true, Usings + Start + State + """
            [Command] public partial record Reserve([property: IdempotencyKey] Guid OrderId);
            [Command] public partial record Release([property: IdempotencyKey] Guid OrderId);
            [Command] public partial record Ship([property: IdempotencyKey] Guid OrderId);
            [Saga]
            public sealed partial class OrderSaga : Saga<OrderState>, IStartedBy<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder message, SagaContext context, CancellationToken cancellationToken)
                {
                    context.Send(new Reserve(message.OrderId), compensateWith: new Release(message.OrderId));
                    context.Send(new Ship(message.OrderId));
                    return default;
                }
            }
            [Idempotent] public sealed class Stock : ICommandHandler<Reserve>, ICommandHandler<Release>, ICommandHandler<Ship>
            {
                public ValueTask HandleAsync(Reserve message, MessageContext context, CancellationToken cancellationToken) => default;
                public ValueTask HandleAsync(Release message, MessageContext context, CancellationToken cancellationToken) => default;
                public ValueTask HandleAsync(Ship message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """),
        new("a timeout the saga does not handle", "CTR033", true, Usings + Start + State + """
            [Command] public partial record Overdue([property: SagaId] Guid OrderId);
            [Saga]
            public sealed partial class OrderSaga : Saga<OrderState>, IStartedBy<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder message, SagaContext context, CancellationToken cancellationToken)
                {
                    context.RequestTimeout(new Overdue(message.OrderId), TimeSpan.FromMinutes(5));
                    return default;
                }
            }
            """),
        new("saga state that cannot be serialized", "CTR034", true, Usings + Start
            + "public sealed class OrderState { public Stream? Body { get; init; } }\n"
            + Saga("Saga<OrderState>, IStartedBy<PlaceOrder>", Step("PlaceOrder"))),
        new("a command that starts two sagas", "CTR035", true, Usings + Start + State
            + Saga("Saga<OrderState>, IStartedBy<PlaceOrder>", Step("PlaceOrder"))
            + "[Saga]\npublic sealed partial class AuditSaga : Saga<OrderState>, IStartedBy<PlaceOrder>\n{\n" + Step("PlaceOrder") + "}\n"),
        new("a saga handling a query", "CTR036", true, Usings + Start + State
            + "[Query] public partial record GetOrder([property: SagaId] Guid OrderId) : IQuery<string>;\n"
            + Saga("Saga<OrderState>, IStartedBy<PlaceOrder>, IHandles<GetOrder>", Step("PlaceOrder") + Step("GetOrder"))),
        new("a saga that is not partial", "CTR037", true, Usings + Start + State
            + Saga("Saga<OrderState>, IStartedBy<PlaceOrder>", Step("PlaceOrder"), keyword: "public sealed class")),
        new("a saga step of an unmarked record", "CTR038", true, Usings + Start + State
            + "public sealed record Paid([property: SagaId] Guid OrderId);\n"
            + Saga("Saga<OrderState>, IStartedBy<PlaceOrder>, IHandles<Paid>", Step("PlaceOrder") + Step("Paid"))),
    ];

    public static readonly CleanProgram[] Clean =
    [
        new("an order saga with compensations and a timeout", Usings + """
            [Command] public partial record PlaceOrder([property: SagaId] Guid OrderId);
            [Command] public partial record Reserve([property: IdempotencyKey] Guid OrderId);
            [Command] public partial record Release([property: IdempotencyKey] Guid OrderId);
            [Command] public partial record Charge([property: IdempotencyKey] Guid OrderId);
            [Command] public partial record Overdue([property: SagaId] Guid OrderId);
            [Event] public partial record Reserved([property: SagaId] Guid OrderId);
            [Event] public partial record Declined([property: SagaId] Guid OrderId);
            public sealed record OrderState { public Guid OrderId { get; init; } public IReadOnlyList<string> Notes { get; init; } = []; }
            [Saga]
            public sealed partial class OrderSaga : Saga<OrderState>, IStartedBy<PlaceOrder>, IHandles<Reserved>, IHandles<Declined>, IHandles<Overdue>
            {
                public ValueTask HandleAsync(PlaceOrder message, SagaContext context, CancellationToken cancellationToken)
                {
                    State = State with { OrderId = message.OrderId };
                    context.Send(new Reserve(message.OrderId), compensateWith: new Release(message.OrderId));
                    return default;
                }

                public ValueTask HandleAsync(Reserved message, SagaContext context, CancellationToken cancellationToken)
                {
                    context.SendWithoutCompensation(new Charge(message.OrderId));
                    context.RequestTimeout(new Overdue(message.OrderId), TimeSpan.FromMinutes(5));
                    return default;
                }

                public ValueTask HandleAsync(Declined message, SagaContext context, CancellationToken cancellationToken)
                {
                    context.Compensate("declined");
                    return default;
                }

                public ValueTask HandleAsync(Overdue message, SagaContext context, CancellationToken cancellationToken)
                {
                    context.Compensate("overdue");
                    return default;
                }
            }
            public sealed class Stock : ICommandHandler<Reserve>, ICommandHandler<Release>, ICommandHandler<Charge>
            {
                public ValueTask HandleAsync(Reserve message, MessageContext context, CancellationToken cancellationToken) => default;
                public ValueTask HandleAsync(Release message, MessageContext context, CancellationToken cancellationToken) => default;
                public ValueTask HandleAsync(Charge message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """),
    ];
}
