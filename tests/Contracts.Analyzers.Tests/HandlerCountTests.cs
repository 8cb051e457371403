using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>CTR001: a command or query with more than one handler; CTR011: a command or query with none.</summary>
public sealed class HandlerCountTests
{
    [Fact]
    public Task Every_handler_of_a_command_with_two_is_reported_naming_both() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);

        public sealed class {|#0:PlaceOrderHandler|} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class {|#1:LegacyOrderHandler|} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        new DiagnosticResult("CTR001", DiagnosticSeverity.Error).WithLocation(0).WithMessage("'PlaceOrder' has 2 handlers (LegacyOrderHandler, PlaceOrderHandler); a command is delivered to exactly one"),
        new DiagnosticResult("CTR001", DiagnosticSeverity.Error).WithLocation(1).WithMessage("'PlaceOrder' has 2 handlers (LegacyOrderHandler, PlaceOrderHandler); a command is delivered to exactly one"));

    [Fact]
    public Task A_query_with_two_handlers_is_reported_even_when_one_class_handles_several_messages() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;
        [Query] public partial record GetStock(string Sku) : IQuery<int>;

        public sealed class {|CTR001:Reads|} : IQueryHandler<GetOrder, string>, IQueryHandler<GetStock, int>
        {
            public ValueTask<string> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) => new("order");
            public ValueTask<int> HandleAsync(GetStock query, MessageContext context, CancellationToken cancellationToken) => new(1);
        }

        public sealed class {|CTR001:OrderReads|} : IQueryHandler<GetOrder, string>
        {
            public ValueTask<string> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) => new("order");
        }
        """);

    [Fact]
    public Task An_event_may_have_many_handlers() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Event] public partial record OrderPlaced([property: IdempotencyKey] Guid OrderId);

        public sealed class Mailer : IEventHandler<OrderPlaced>
        {
            public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class Stock : IEventHandler<OrderPlaced>
        {
            public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public Task A_class_that_only_inherits_the_interface_is_not_a_handler_and_is_not_counted() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);

        public class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class DerivedHandler : PlaceOrderHandler
        {
        }
        """);

    [Fact]
    public Task A_command_or_query_without_a_handler_is_reported_as_info_in_a_project_with_handlers() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
        [Command] public partial record {|#0:CancelOrder|}([property: IdempotencyKey] Guid OrderId);
        [Query] public partial record {|#1:GetOrder|}(Guid OrderId) : IQuery<string>;
        [Event] public partial record OrderCancelled(Guid OrderId);

        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        new DiagnosticResult("CTR011", DiagnosticSeverity.Info).WithLocation(0).WithMessage("Command 'CancelOrder' has no handler in this project; sending it fails unless another service handles it"),
        new DiagnosticResult("CTR011", DiagnosticSeverity.Info).WithLocation(1).WithMessage("Query 'GetOrder' has no handler in this project; sending it fails unless another service handles it"));

    [Fact]
    public Task A_contracts_only_project_is_not_asked_for_handlers() => ContractsTest.AnalyzeAsync("""
        using System;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
        [Query] public partial record GetOrder(Guid OrderId) : IQuery<string>;
        """);
}
