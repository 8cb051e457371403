using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>CTR014 to CTR021 in the analyzer harness: exact places and messages, and the look-alikes they leave alone.</summary>
public sealed class NewRulesTests
{
    private const string Contracts = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
        [Event] public partial record OrderPlaced([property: IdempotencyKey] Guid OrderId);
        [Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;

        """;

    [Fact]
    public Task Handlers_the_generator_does_not_wire_are_flagged_and_handlers_it_wires_are_not() => ContractsTest.AnalyzeAsync(Contracts + """
        public abstract class Base<T> : ICommandHandler<T> where T : class, ICommand
        {
            public abstract ValueTask HandleAsync(T command, MessageContext context, CancellationToken cancellationToken);
        }

        public sealed class {|#0:Inherits|} : Base<PlaceOrder>
        {
            public override ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }

        // Names it again: wired, not flagged.
        public sealed class NamesItToo : Base<PlaceOrder>, ICommandHandler<PlaceOrder>
        {
            public override ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [Idempotent]
        public class Concrete : IEventHandler<OrderPlaced>
        {
            public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) => default;
        }

        // A subclass of a wired concrete handler is not its own handler: not flagged.
        public sealed class Derived : Concrete { }

        public static class Outer
        {
            private sealed class {|#1:Hidden|} : IQueryHandler<GetOrder, string>
            {
                public ValueTask<string> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) => new("x");
            }
        }
        """,
        new DiagnosticResult("CTR014", DiagnosticSeverity.Warning).WithLocation(0).WithMessage("'Inherits' implements ICommandHandler<PlaceOrder> but is never wired: it inherits it from 'Base<PlaceOrder>', and handlers are found only by the interfaces their own base list names; add ICommandHandler<PlaceOrder> to 'Inherits's base list"),
        new DiagnosticResult("CTR014", DiagnosticSeverity.Warning).WithLocation(1).WithMessage("'Hidden' implements IQueryHandler<GetOrder, string> but is never wired: it is private or protected, so the generated registration cannot reach it; make it internal or public"),
        new DiagnosticResult("CTR011", DiagnosticSeverity.Info).WithSpan(9, 31, 9, 39).WithArguments("Query", "GetOrder"));

    [Fact]
    public Task Dropped_bus_tasks_are_flagged_and_kept_or_awaited_ones_are_not() => ContractsTest.AnalyzeAsync(Contracts + """
        public sealed class Sender(IMessageBus bus)
        {
            public async Task RunAsync(Guid id, CancellationToken cancellationToken)
            {
                {|CTR015:bus.SendAsync(new PlaceOrder(id), cancellationToken: cancellationToken)|};
                _ = {|CTR015:bus.PublishAsync(new OrderPlaced(id), cancellationToken: cancellationToken)|};
                await bus.SendAsync(new PlaceOrder(id), cancellationToken: cancellationToken);
                ValueTask kept = bus.PublishAsync(new OrderPlaced(id), cancellationToken: cancellationToken);
                await kept;
                string order = await bus.QueryAsync(new GetOrder(id), cancellationToken: cancellationToken);
            }

            public ValueTask Forward(Guid id) => bus.SendAsync(new PlaceOrder(id));
        }
        """);

    [Fact]
    public Task Handler_bodies_are_checked_through_the_helpers_they_call() => ContractsTest.AnalyzeAsync(Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            private readonly SemaphoreSlim _gate = new(1);

            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                {|#0:Thread.Sleep(1)|};
                Enter();
                Fire();
                return default;
            }

            private void Enter() => Deeper();
            private void Deeper() => {|#1:_gate.Wait()|};
            private async void {|#2:Fire|}() => await Task.Yield();

            // Never called from HandleAsync: not this rule's business.
            public void Unused() => Thread.Sleep(1);
        }

        public static class NotAHandler
        {
            public static void Pause() => Thread.Sleep(1);
        }
        """,
        new DiagnosticResult("CTR017", DiagnosticSeverity.Warning).WithLocation(0).WithMessage("'PlaceOrderHandler' blocks its thread with 'Thread.Sleep'; use 'await Task.Delay(..., cancellationToken)'"),
        new DiagnosticResult("CTR017", DiagnosticSeverity.Warning).WithLocation(1).WithMessage("'PlaceOrderHandler' blocks its thread with 'SemaphoreSlim.Wait' in 'Deeper', which its HandleAsync calls; use 'await WaitAsync(cancellationToken)'"),
        new DiagnosticResult("CTR016", DiagnosticSeverity.Warning).WithLocation(2).WithMessage("'PlaceOrderHandler.Fire' is async void; an exception in it crashes the process instead of failing the delivery"),
        new DiagnosticResult("CTR011", DiagnosticSeverity.Info).WithSpan(9, 31, 9, 39).WithArguments("Query", "GetOrder"));

    [Fact]
    public Task A_query_handler_that_sends_is_flagged_and_a_command_handler_is_not() => ContractsTest.AnalyzeAsync(Contracts + """
        public sealed class GetOrderHandler : IQueryHandler<GetOrder, string>
        {
            public async ValueTask<string> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken)
            {
                await Audit(query, context, cancellationToken);
                return "order";
            }

            private static ValueTask Audit(GetOrder query, MessageContext context, CancellationToken cancellationToken) =>
                {|CTR018:context.PublishAsync(new OrderPlaced(query.OrderId), cancellationToken)|};
        }

        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) =>
                context.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken);
        }
        """);

    [Fact]
    public Task A_command_or_event_handler_sending_through_the_bus_is_flagged_and_the_context_is_not() => ContractsTest.AnalyzeAsync(Contracts + """
        public sealed class PlaceOrderHandler(IMessageBus bus) : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await {|#0:bus.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken: cancellationToken)|};
                await context.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken);
            }

            // Not reached from HandleAsync: a method the application calls itself.
            public ValueTask Later(Guid id) => bus.SendAsync(new PlaceOrder(id));
        }
        """,
        new DiagnosticResult("CTR022", DiagnosticSeverity.Warning).WithLocation(0).WithMessage("'PlaceOrderHandler' calls 'IMessageBus.PublishAsync' on an injected IMessageBus; use its MessageContext, which sends inside the delivery's consume transaction"),
        new DiagnosticResult("CTR011", DiagnosticSeverity.Info).WithSpan(9, 31, 9, 39).WithArguments("Query", "GetOrder"));

    /// <summary>A command handler and an event handler that publish through the bus, and a host configured as <paramref name="host"/> says.</summary>
    [Theory]
    // No AddContracts here: the host is another project, which may make any endpoint effectively-once.
    [InlineData("", true, true)]
    // Configured here, with the defaults (at-least-once) or settings that leave delivery alone.
    [InlineData("services.AddContracts();", false, false)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint<PlaceOrder>(e => e.MaxConcurrency = 4)));", false, false)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint<PlaceOrder>(e => e.Delivery = DeliveryMode.AtMostOnce)));", false, false)]
    [InlineData("services.AddContracts(configuration: null, o => o.UseInMemoryTransport());", false, false)]
    // Effectively-once where the rule can see it.
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint<PlaceOrder>(e => e.Delivery = DeliveryMode.EffectivelyOnce)));", true, false)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint<OrderPlaced>(e => { e.MaxConcurrency = 2; e.Delivery = DeliveryMode.EffectivelyOnce; })));", false, true)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Defaults.Delivery = DeliveryMode.EffectivelyOnce));", true, true)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint(\"PlaceOrder\", e => e.Delivery = DeliveryMode.EffectivelyOnce)));", true, false)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint(\"OrderPlaced/Mailer\", e => e.Delivery = DeliveryMode.EffectivelyOnce)));", false, true)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint<PlaceOrder>(e => e.Delivery = mode)));", true, false)]
    // What the rule cannot follow: every endpoint may be effectively-once.
    [InlineData("services.AddContracts(configuration, o => o.UseInMemoryTransport());", true, true)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint<PlaceOrder>(configure)));", true, false)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint(name, e => e.Delivery = DeliveryMode.EffectivelyOnce)));", true, true)]
    [InlineData("services.AddContracts(o => o.UseInMemoryTransport(t => t.Endpoint<PlaceOrder>(e => Configure(e)))); static void Configure(EndpointOptions e) => e.Delivery = DeliveryMode.EffectivelyOnce;", true, true)]
    public Task CTR022_reads_the_delivery_mode_this_project_configures(string host, bool command, bool @event) => ContractsTest.AnalyzeAsync(
        "using Microsoft.Extensions.Configuration;\nusing Microsoft.Extensions.DependencyInjection;\n" + Contracts + $$"""
        public sealed class PlaceOrderHandler(IMessageBus bus) : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) =>
                await {|#0:bus.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken: cancellationToken)|};
        }

        public sealed class Mailer(IMessageBus bus) : IEventHandler<OrderPlaced>
        {
            public async ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) =>
                await {|#1:bus.SendAsync(new PlaceOrder(@event.OrderId), cancellationToken: cancellationToken)|};
        }

        public static class Host
        {
            public static void Add(IServiceCollection services, IConfiguration configuration, string name, DeliveryMode mode, Action<EndpointOptions> configure)
            {
                {{host}}
            }
        }
        """,
        [
            .. command ? [new DiagnosticResult("CTR022", DiagnosticSeverity.Warning).WithLocation(0)] : System.Array.Empty<DiagnosticResult>(),
            .. @event ? [new DiagnosticResult("CTR022", DiagnosticSeverity.Warning).WithLocation(1)] : System.Array.Empty<DiagnosticResult>(),
            new DiagnosticResult("CTR011", DiagnosticSeverity.Info).WithSpan(11, 31, 11, 39).WithArguments("Query", "GetOrder"),
        ]);

    [Fact]
    public Task Catching_everything_without_rethrowing_is_flagged_and_narrow_or_rethrowing_catches_are_not() => ContractsTest.AnalyzeAsync(Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                try { await Task.Delay(1, cancellationToken); } {|CTR019:catch|} (Exception) { }
                try { await Task.Delay(1, cancellationToken); } {|CTR019:catch|} { }
                try { await Task.Delay(1, cancellationToken); } catch (TimeoutException) { }
                try { await Task.Delay(1, cancellationToken); } catch (Exception ex) when (ex is TimeoutException) { }
                try { await Task.Delay(1, cancellationToken); } catch (Exception ex) { throw new InvalidOperationException("x", ex); }
            }
        }

        public sealed class GetOrderHandler : IQueryHandler<GetOrder, string>
        {
            // A query is not retried from an endpoint: a fallback answer is fine.
            public async ValueTask<string> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken)
            {
                try { await Task.Delay(1, cancellationToken); return "x"; } catch (Exception) { return "unknown"; }
            }
        }
        """);

    [Fact]
    public Task Public_members_that_do_not_travel_and_defaults_that_differ_each_run_are_flagged() => ContractsTest.AnalyzeAsync(Contracts + """
        [Event]
        public partial class Shipped
        {
            public Shipped(Guid orderId) => OrderId = orderId;
            public Guid OrderId { get; }
            public string {|#0:Carrier|} = "";
            public int {|#1:Boxes|} { get; private set; }
            public int Total => Boxes * 2;
            public const int Max = 3;
            public DateTimeOffset At { get; init; } = {|#2:DateTimeOffset.UtcNow|};
            public Guid Trace { get; init; } = {|#3:Guid.NewGuid()|};
            public string Note { get; init; } = "none";
        }
        """,
        new DiagnosticResult("CTR020", DiagnosticSeverity.Warning).WithLocation(0).WithMessage("'Shipped.Carrier' is public but not on the wire: it is a field (only properties are serialized; make it a property with init); the receiver always sees its default"),
        new DiagnosticResult("CTR020", DiagnosticSeverity.Warning).WithLocation(1).WithMessage("'Shipped.Boxes' is public but not on the wire: its setter is not public and no constructor parameter sets it (use init, or add a constructor parameter); the receiver always sees its default"),
        new DiagnosticResult("CTR021", DiagnosticSeverity.Warning).WithLocation(2).WithArguments("Shipped", "At", "DateTimeOffset.UtcNow"),
        new DiagnosticResult("CTR021", DiagnosticSeverity.Warning).WithLocation(3).WithArguments("Shipped", "Trace", "Guid.NewGuid()"));

    [Fact]
    public Task Mutable_state_inside_a_carried_record_makes_the_contract_mutable() => ContractsTest.AnalyzeAsync(Contracts + """
        public sealed class Line { public string Sku { get; set; } = ""; public List<int> Marks { get; init; } = []; }
        public sealed record Address(string Street);

        [Event] public partial record {|#0:Placed|}(Guid Id, IReadOnlyList<Line> Lines, Address Address);
        """,
        new DiagnosticResult("CTR010", DiagnosticSeverity.Warning).WithLocation(0).WithMessage("Contract 'Placed' has mutable state: 'Line.Sku' (in 'Lines') has a public setter (use init)"),
        new DiagnosticResult("CTR010", DiagnosticSeverity.Warning).WithLocation(0).WithMessage("Contract 'Placed' has mutable state: 'Line.Marks' (in 'Lines') is a mutable 'List<int>' (use IReadOnlyList<T> or ImmutableArray<T>)"));
}

/// <summary>The code fixes of CTR014 and CTR015.</summary>
public sealed class NewRuleFixTests
{
    private const string Contracts = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
        [Event] public partial record OrderPlaced([property: IdempotencyKey] Guid OrderId);

        """;

    [Fact]
    public Task An_inherited_handler_interface_is_named_in_the_base_list() => ContractsTest.FixAsync(Contracts + """
        public abstract class Base<T> : ICommandHandler<T> where T : class, ICommand
        {
            public abstract ValueTask HandleAsync(T command, MessageContext context, CancellationToken cancellationToken);
        }

        public sealed class {|CTR014:Inherits|} : Base<PlaceOrder>
        {
            public override ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """, Contracts + """
        public abstract class Base<T> : ICommandHandler<T> where T : class, ICommand
        {
            public abstract ValueTask HandleAsync(T command, MessageContext context, CancellationToken cancellationToken);
        }

        public sealed class Inherits : Base<PlaceOrder>, ICommandHandler<PlaceOrder>
        {
            public override ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public Task A_private_nested_handler_is_made_internal() => ContractsTest.FixAsync(Contracts + """
        public static class Outer
        {
            private sealed class {|CTR014:Hidden|} : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
            }
        }
        """, Contracts + """
        public static class Outer
        {
            internal sealed class Hidden : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
            }
        }
        """);

    [Fact]
    public Task A_dropped_send_is_awaited() => ContractsTest.FixAsync(Contracts + """
        public sealed class Sender(IMessageBus bus)
        {
            public async Task RunAsync(Guid id)
            {
                {|CTR015:bus.SendAsync(new PlaceOrder(id))|};
                _ = {|CTR015:bus.PublishAsync(new OrderPlaced(id))|};
            }
        }
        """, Contracts + """
        public sealed class Sender(IMessageBus bus)
        {
            public async Task RunAsync(Guid id)
            {
                await bus.SendAsync(new PlaceOrder(id));
                await bus.PublishAsync(new OrderPlaced(id));
            }
        }
        """,
        iterations: 2);
}
