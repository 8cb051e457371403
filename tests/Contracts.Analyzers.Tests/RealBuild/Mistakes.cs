namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>One realistic mistake: a small project, the rule a build must show for it, and whether that rule is all it shows.</summary>
/// <param name="Name">What the mistake is.</param>
/// <param name="Id">The diagnostic the build must print.</param>
/// <param name="Alone">Whether the build prints nothing else (no compiler error follows): false only where the compiler's own error cannot be avoided.</param>
/// <param name="Sources">The project's files.</param>
public sealed record Mistake(string Name, string Id, bool Alone, params string[] Sources)
{
    public override string ToString() => Name;
}

/// <summary>The mistakes a new user makes, each as its own project (see <see cref="BuildEmulation"/>).</summary>
internal static class Mistakes
{
    private const string Usings = "using Contracts;\n\nnamespace Shop;\n\n";

    private static string Handler(string contract, string iface = "ICommandHandler", string @return = "ValueTask", string name = "Handler") => $$"""
        [Idempotent]
        public sealed class {{name}} : {{iface}}<{{contract}}>
        {
            public {{@return}} HandleAsync({{contract.Split(',')[0]}} message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """;

    public static readonly Mistake[] All =
    [
        // Rules that stop generation: reported by the generator, since the compiler stops before analyzers.
        new("contract not partial, with a handler", "CTR003", true, Usings + "[Command] public sealed record PlaceOrder([property: IdempotencyKey] Guid OrderId);\n" + Handler("PlaceOrder")),
        new("generic contract", "CTR003", true, Usings + "[Event] public partial record Changed<T>(T Value);"),
        new("contract nested in a non-partial class", "CTR003", true, Usings + "public static class Orders { [Event] public partial record Placed(Guid OrderId); }"),
        new("private nested contract", "CTR003", true, Usings + "public partial class Orders { [Event] private partial record Placed(Guid OrderId); }"),
        new("member of type Stream, with a handler", "CTR004", true, Usings + "[Command] public partial record Upload([property: IdempotencyKey] Guid Id, Stream Body);\n" + Handler("Upload")),
        new("member of an interface type, with a handler", "CTR004", true, Usings + "[Command] public partial record Run([property: IdempotencyKey] Guid Id, IDisposable Resource);\n" + Handler("Run")),
        new("member of type HashSet<T>, with a handler", "CTR004", true, Usings + "[Command] public partial record Tag([property: IdempotencyKey] Guid Id, HashSet<string> Tags);\n" + Handler("Tag")),
        new("member of type object", "CTR004", true, Usings + "[Event] public partial record Logged(object Payload);"),
        new("two contract attributes", "CTR006", true, Usings + "[Command, Event] public partial record PlaceOrder(Guid OrderId);"),
        new("command handler of an event", "CTR007", true, Usings + "[Event] public partial record OrderPlaced(Guid OrderId);\n" + Handler("OrderPlaced")),
        new("handler of an unmarked record", "CTR007", true, Usings + "public sealed record PlaceOrder(Guid OrderId);\n" + Handler("PlaceOrder")),
        new("query handled as a command", "CTR007", true, Usings + "[Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;\n" + Handler("GetOrder")),
        new("event handler of a command", "CTR007", true, Usings + "[Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);\n" + Handler("PlaceOrder", "IEventHandler")),
        new("a handler of a contract that is not partial, not marked [Idempotent]", "CTR003", true, Usings + "[Event] public sealed record OrderPlaced(Guid OrderId);\n" + Handler("OrderPlaced", "IEventHandler").Replace("[Idempotent]\n", "")),
        new("command handler of an event without a key, not marked [Idempotent]", "CTR007", true, Usings + "[Event] public partial record OrderPlaced(Guid OrderId);\n" + Handler("OrderPlaced").Replace("[Idempotent]\n", "")),
        new("handler of an unmarked record, not marked [Idempotent]", "CTR007", true, Usings + "public sealed record PlaceOrder(Guid OrderId);\n" + Handler("PlaceOrder", "IEventHandler").Replace("[Idempotent]\n", "")),
        new("command handler of a string", "CTR007", true, Usings + Handler("string")),
        new("event handler of a query", "CTR007", true, Usings + "[Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;\n" + Handler("GetOrder", "IEventHandler")),
        new("query handler of a command", "CTR007", true, Usings + "[Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);\n" + Handler("PlaceOrder, string", "IQueryHandler", "ValueTask<string>")),
        new("query handler with another result type", "CTR008", true, Usings + "[Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;\n" + Handler("GetOrder, int", "IQueryHandler", "ValueTask<int>")),
        new("query without IQuery<TResult>", "CTR008", true, Usings + "[Query] public partial record GetOrder(Guid OrderId);"),
        new("floating-point idempotency key, with a handler", "CTR009", true, Usings + "[Command] public partial record Pay([property: IdempotencyKey] double Amount);\n" + Handler("Pay")),
        new("collection idempotency key", "CTR009", true, Usings + "[Command] public partial record Pay([property: IdempotencyKey] IReadOnlyList<int> Ids);\n" + Handler("Pay")),
        new("nested-record idempotency key", "CTR009", true, Usings + "public sealed record Money(decimal Amount);\n[Command] public partial record Pay([property: IdempotencyKey] Money Amount);\n" + Handler("Pay")),
        new("computed get-only idempotency key", "CTR009", true, Usings + "[Command] public partial record Pay(Guid OrderId, int Attempt) { [IdempotencyKey] public string Key => OrderId + \"/\" + Attempt; }\n" + Handler("Pay")),
        new("floating-point partition key, with a handler", "CTR023", true, Usings + "[Command] public partial record Pay([property: IdempotencyKey] Guid Id, [property: PartitionKey] double Amount);\n" + Handler("Pay")),
        new("partition key on a query, with a handler", "CTR023", true, Usings + "[Query] public partial record GetOrder([property: PartitionKey] Guid OrderId) : IQuery<string>;\n" + Handler("GetOrder, string", "IQueryHandler", "ValueTask<string>")),

        // Analyzer rules: the build runs analyzers because nothing above stops it.
        new("two handlers of one command", "CTR001", true, Usings + "[Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);\n" + Handler("PlaceOrder") + "\n" + Handler("PlaceOrder", name: "Second")),
        new("two handlers of one query", "CTR001", true, Usings + "[Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;\n" + Handler("GetOrder, string", "IQueryHandler", "ValueTask<string>") + "\n" + Handler("GetOrder, string", "IQueryHandler", "ValueTask<string>", "Second")),
        new("a handler that may run twice", "CTR002", true, Usings + "[Command] public partial record PlaceOrder(Guid OrderId);\n" + Handler("PlaceOrder").Replace("[Idempotent]\n", "")),
        new("two contracts with one name", "CTR005", true, Usings + "[Event(Name = \"order\")] public partial record A(int X);\n[Event(Name = \"order\")] public partial record B(int X);"),
        new("contract with a public setter", "CTR010", true, Usings + "[Event] public partial class Placed { public Guid OrderId { get; set; } }"),
        new("contract with a List<T>", "CTR010", true, Usings + "[Event] public partial record Placed(List<int> Lines);"),
        // Handlers silently not wired.
        new("handler interface inherited from an abstract generic base", "CTR014", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public abstract class HandlerBase<T> : ICommandHandler<T> where T : class, ICommand
            {
                public abstract ValueTask HandleAsync(T message, MessageContext context, CancellationToken cancellationToken);
            }
            public sealed class PlaceOrderHandler : HandlerBase<PlaceOrder>
            {
                public override ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """),
        new("handler interface named through a using alias", "CTR014", true, "using Contracts;\nusing Handles = Contracts.ICommandHandler<Shop.PlaceOrder>;\n\nnamespace Shop;\n\n" + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public sealed class PlaceOrderHandler : Handles
            {
                public ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """),
        new("private nested handler", "CTR014", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public static class Handlers
            {
                private sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
                {
                    public ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) => default;
                }
            }
            """),

        // Rules too narrow before.
        new("blocking on a task in a helper HandleAsync calls", "CTR012", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) { Save(cancellationToken); return default; }
                private static void Save(CancellationToken cancellationToken) => Task.Delay(1, cancellationToken).Wait(cancellationToken);
            }
            """),
        new("a mutable record inside a contract", "CTR010", true, Usings + """
            public sealed class Line { public string Sku { get; set; } = ""; }
            [Event] public partial record Placed(Guid OrderId, IReadOnlyList<Line> Lines);
            """),

        // New rules.
        new("a send that is never awaited", "CTR015", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public sealed class Checkout(IMessageBus bus)
            {
                public void Buy(Guid id) => bus.SendAsync(new PlaceOrder(id));
            }
            """),
        new("a publish assigned to a discard in a handler", "CTR015", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            [Event] public partial record OrderPlaced(Guid OrderId);
            public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken)
                {
                    _ = context.PublishAsync(new OrderPlaced(message.OrderId), cancellationToken);
                    return default;
                }
            }
            """),
        new("async void in a handler type", "CTR016", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) { Notify(); return default; }
                private async void Notify() => await Task.Yield();
            }
            """),
        new("Thread.Sleep in a handler", "CTR017", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) { Thread.Sleep(100); return default; }
            }
            """),
        new("SemaphoreSlim.Wait in a helper the handler calls", "CTR017", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
            {
                private readonly SemaphoreSlim _gate = new(1);
                public ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) { Enter(); return default; }
                private void Enter() => _gate.Wait();
            }
            """),
        new("a query handler that sends a command", "CTR018", true, Usings + """
            [Command] public partial record Audit([property: IdempotencyKey] Guid Id);
            [Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;
            public sealed class GetOrderHandler : IQueryHandler<GetOrder, string>
            {
                public async ValueTask<string> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken)
                {
                    await context.SendAsync(new Audit(query.OrderId), cancellationToken);
                    return "order";
                }
            }
            """),
        new("a handler that swallows every exception", "CTR019", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
            {
                public async ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken)
                {
                    try { await Task.Delay(1, cancellationToken); }
                    catch (Exception ex) { Console.WriteLine(ex.Message); }
                }
            }
            """),
        new("a public field on a contract", "CTR020", true, Usings + "[Event] public partial record Placed(Guid OrderId) { public string Note = \"\"; }"),
        new("a private setter without a constructor parameter", "CTR020", true, Usings + "[Event] public partial class Placed { public Guid OrderId { get; init; } public string Note { get; private set; } = \"\"; }"),
        new("DateTime.Now as a contract default", "CTR021", true, Usings + "[Event] public partial record Placed(Guid OrderId) { public DateTime At { get; init; } = DateTime.Now; }"),
        new("Guid.NewGuid() as a contract default", "CTR021", true, Usings + "[Command] public partial record Pay(decimal Amount) { [IdempotencyKey] public Guid PaymentId { get; init; } = Guid.NewGuid(); }\n" + Handler("Pay")),
        new("an injected IMessageBus used inside a command handler", "CTR022", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            [Event] public partial record OrderPlaced(Guid OrderId);
            public sealed class PlaceOrderHandler(IMessageBus bus) : ICommandHandler<PlaceOrder>
            {
                public async ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken)
                    => await bus.PublishAsync(new OrderPlaced(message.OrderId), cancellationToken: cancellationToken);
            }
            """),
        new("an injected IMessageBus in a handler whose endpoint this project makes effectively-once", "CTR022", true, "using Microsoft.Extensions.DependencyInjection;\n" + Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            [Event] public partial record OrderPlaced(Guid OrderId);
            public sealed class PlaceOrderHandler(IMessageBus bus) : ICommandHandler<PlaceOrder>
            {
                public async ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken)
                    => await bus.PublishAsync(new OrderPlaced(message.OrderId), cancellationToken: cancellationToken);
            }
            public static class Host
            {
                public static IServiceCollection AddShop(this IServiceCollection services) =>
                    services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint<PlaceOrder>(e => e.Delivery = DeliveryMode.EffectivelyOnce)));
            }
            """),
        new("a handler not passing its token on", "CTR013", true, Usings + """
            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
            {
                public async ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) => await Task.Delay(1);
            }
            """),
        .. SagaMistakes.All,
        .. AggregateMistakes.All,
        .. ProjectionMistakes.All,
    ];
}
