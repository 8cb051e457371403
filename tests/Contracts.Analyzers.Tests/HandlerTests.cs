using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>CTR007: a handler of a type that is not a contract of its kind; CTR008: a query handler with another result type.</summary>
public sealed class HandlerTests
{
    [Fact]
    public Task A_handler_of_a_message_that_is_not_a_contract_is_reported() => ContractsTest.AnalyzeAsync(
        """
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        // Implements the marker by hand instead of being marked [Command]: the generator never wires its handler.
        public sealed class Manual : ICommand
        {
            public ContractDescriptor Descriptor => null!;
        }

        public sealed class {|#0:ManualHandler|} : ICommandHandler<Manual>
        {
            public ValueTask HandleAsync(Manual command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        new DiagnosticResult("CTR007", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("'ManualHandler' handles 'Manual' as a command, but 'Manual' is not marked [Command]; the handler is never wired"));

    [Fact]
    public Task A_command_handler_of_an_event_is_reported() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Event] public partial record OrderPlaced([property: IdempotencyKey] Guid OrderId);

        public sealed class {|#0:OrderPlacedHandler|} : ICommandHandler<OrderPlaced>
        {
            public ValueTask HandleAsync(OrderPlaced command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        new DiagnosticResult("CTR007", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("'OrderPlacedHandler' handles 'OrderPlaced' as a command, but 'OrderPlaced' is marked [Event]; the handler is never wired"));

    [Fact]
    public Task A_query_handler_with_another_result_type_is_reported() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Query] public partial record {|#1:GetOrder|}(Guid OrderId) : IQuery<int>;

        public sealed class {|#0:GetOrderHandler|} : IQueryHandler<GetOrder, string>
        {
            public ValueTask<string> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) => new("");
        }
        """,
        new DiagnosticResult("CTR011", DiagnosticSeverity.Info).WithLocation(1),
        new DiagnosticResult("CTR008", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("'GetOrderHandler' answers 'GetOrder' with 'string', but 'GetOrder' implements IQuery<int>; the handler is never wired"));

    [Fact]
    public Task A_record_class_handler_is_a_handler_too() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder(Guid OrderId);

        public sealed record {|CTR002:PlaceOrderHandler|}(string Name) : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public Task A_nullable_result_matches_its_query() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        public sealed record OrderView(Guid OrderId);

        [Query] public partial record GetOrder(Guid OrderId) : IQuery<OrderView?>;

        public sealed class GetOrderHandler : IQueryHandler<GetOrder, OrderView?>
        {
            public ValueTask<OrderView?> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) => new((OrderView?)null);
        }
        """);
}
