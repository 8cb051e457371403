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
        new("contract not partial, with a handler", "CTR003", false, Usings + "[Command] public sealed record PlaceOrder([property: IdempotencyKey] Guid OrderId);\n" + Handler("PlaceOrder")),
        new("generic contract", "CTR003", true, Usings + "[Event] public partial record Changed<T>(T Value);"),
        new("contract nested in a non-partial class", "CTR003", true, Usings + "public static class Orders { [Event] public partial record Placed(Guid OrderId); }"),
        new("private nested contract", "CTR003", true, Usings + "public partial class Orders { [Event] private partial record Placed(Guid OrderId); }"),
        new("member of type Stream, with a handler", "CTR004", true, Usings + "[Command] public partial record Upload([property: IdempotencyKey] Guid Id, Stream Body);\n" + Handler("Upload")),
        new("member of an interface type, with a handler", "CTR004", true, Usings + "[Command] public partial record Run([property: IdempotencyKey] Guid Id, IDisposable Resource);\n" + Handler("Run")),
        new("member of type HashSet<T>, with a handler", "CTR004", true, Usings + "[Command] public partial record Tag([property: IdempotencyKey] Guid Id, HashSet<string> Tags);\n" + Handler("Tag")),
        new("member of type object", "CTR004", true, Usings + "[Event] public partial record Logged(object Payload);"),
        new("two contract attributes", "CTR006", true, Usings + "[Command, Event] public partial record PlaceOrder(Guid OrderId);"),
        new("command handler of an event", "CTR007", false, Usings + "[Event] public partial record OrderPlaced(Guid OrderId);\n" + Handler("OrderPlaced")),
        new("handler of an unmarked record", "CTR007", false, Usings + "public sealed record PlaceOrder(Guid OrderId);\n" + Handler("PlaceOrder")),
        new("query handled as a command", "CTR007", false, Usings + "[Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;\n" + Handler("GetOrder")),
        new("event handler of a command", "CTR007", false, Usings + "[Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);\n" + Handler("PlaceOrder", "IEventHandler")),
        new("query handler with another result type", "CTR008", false, Usings + "[Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;\n" + Handler("GetOrder, int", "IQueryHandler", "ValueTask<int>")),
        new("query without IQuery<TResult>", "CTR008", true, Usings + "[Query] public partial record GetOrder(Guid OrderId);"),
        new("floating-point idempotency key, with a handler", "CTR009", true, Usings + "[Command] public partial record Pay([property: IdempotencyKey] double Amount);\n" + Handler("Pay")),
        new("collection idempotency key", "CTR009", true, Usings + "[Command] public partial record Pay([property: IdempotencyKey] IReadOnlyList<int> Ids);\n" + Handler("Pay")),
        new("nested-record idempotency key", "CTR009", true, Usings + "public sealed record Money(decimal Amount);\n[Command] public partial record Pay([property: IdempotencyKey] Money Amount);\n" + Handler("Pay")),
        new("computed get-only idempotency key", "CTR009", true, Usings + "[Command] public partial record Pay(Guid OrderId, int Attempt) { [IdempotencyKey] public string Key => OrderId + \"/\" + Attempt; }\n" + Handler("Pay")),

        // Analyzer rules: the build runs analyzers because nothing above stops it.
        new("two handlers of one command", "CTR001", true, Usings + "[Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);\n" + Handler("PlaceOrder") + "\n" + Handler("PlaceOrder", name: "Second")),
        new("two handlers of one query", "CTR001", true, Usings + "[Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;\n" + Handler("GetOrder, string", "IQueryHandler", "ValueTask<string>") + "\n" + Handler("GetOrder, string", "IQueryHandler", "ValueTask<string>", "Second")),
        new("a handler that may run twice", "CTR002", true, Usings + "[Command] public partial record PlaceOrder(Guid OrderId);\n" + Handler("PlaceOrder").Replace("[Idempotent]\n", "")),
        new("two contracts with one name", "CTR005", true, Usings + "[Event(Name = \"order\")] public partial record A(int X);\n[Event(Name = \"order\")] public partial record B(int X);"),
        new("contract with a public setter", "CTR010", true, Usings + "[Event] public partial class Placed { public Guid OrderId { get; set; } }"),
        new("contract with a List<T>", "CTR010", true, Usings + "[Event] public partial record Placed(List<int> Lines);"),
    ];
}
