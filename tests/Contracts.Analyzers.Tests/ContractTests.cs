using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>CTR003, CTR004, CTR005, CTR006 and CTR008 on the contract: what the generator skips, explained.</summary>
public sealed class ContractTests
{
    [Fact]
    public Task A_contract_that_is_not_partial_is_reported_and_made_partial() => ContractsTest.FixAsync(
        """
        using System;
        using Contracts;

        [Command]
        public sealed record {|CTR003:PlaceOrder|}([property: IdempotencyKey] Guid OrderId);

        [Event]
        record {|CTR003:OrderPlaced|}(Guid OrderId);
        """,
        """
        using System;
        using Contracts;

        [Command]
        public sealed partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);

        [Event]
        partial record OrderPlaced(Guid OrderId);
        """,
        iterations: 2);

    [Fact]
    public Task A_contract_nested_in_a_type_that_is_not_partial_gets_every_container_made_partial() => ContractsTest.FixAsync(
        """
        using System;
        using Contracts;

        public static class Orders
        {
            [Command] public partial record {|CTR003:PlaceOrder|}(Guid OrderId);
        }
        """,
        """
        using System;
        using Contracts;

        public static partial class Orders
        {
            [Command] public partial record PlaceOrder(Guid OrderId);
        }
        """,
        iterations: 1);

    [Fact]
    public Task A_struct_or_generic_contract_is_reported_without_a_partial_fix() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using Contracts;

        [Command] public partial record struct {|#0:PlaceOrder|}(Guid OrderId);
        [Event] public partial record {|#1:Happened|}<T>(T Value);
        """,
        new DiagnosticResult("CTR003", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("'PlaceOrder' is a record struct; a contract is a record or class (messages are passed by reference and never copied)"),
        new DiagnosticResult("CTR003", DiagnosticSeverity.Error).WithLocation(1)
            .WithMessage("'Happened' is generic; a contract has one wire name, so it cannot have type parameters"));

    [Fact]
    public Task A_member_that_cannot_be_serialized_is_reported_on_the_member() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using System.IO;
        using Contracts;

        public sealed record Attachment(string Name, Stream Body);

        [Command] public partial record Upload(Guid Id, object {|#0:Payload|}, Attachment {|#1:File|})
        {
            public Uri? {|#2:Link|} { get; init; }
        }
        """,
        new DiagnosticResult("CTR004", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("member 'Upload.Payload' of type 'object' cannot be serialized: it is not one of the supported framework types (see the README's list)"),
        new DiagnosticResult("CTR004", DiagnosticSeverity.Error).WithLocation(1),
        new DiagnosticResult("CTR004", DiagnosticSeverity.Error).WithLocation(2));

    [Fact]
    public Task Supported_members_are_fine() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Collections.Generic;
        using System.Collections.Immutable;
        using Contracts;

        public enum Status { Placed, Paid }
        public sealed record Line(string Sku, int Quantity);

        [Event] public partial record Everything(
            bool B, int I, long L, double D, decimal M, string S, string? N, Guid G, DateTime T, DateTimeOffset O, TimeSpan Span,
            DateOnly Day, TimeOnly Time, Status Status, int? Maybe, byte[] Bytes, IReadOnlyList<Line> Lines, ImmutableArray<int> Numbers,
            IReadOnlyDictionary<string, Line> ByName);
        """);

    [Fact]
    public Task Two_contracts_with_one_name_and_version_are_both_reported() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using Contracts;

        namespace Shop
        {
            [Event(Name = "shop.order-placed")] public partial record {|#0:OrderPlaced|}(Guid OrderId);
            [Event(Name = "shop.order-placed", Version = 2)] public partial record OrderPlacedV2(Guid OrderId, string Customer);
            [Event] public partial record {|#3:Other|}(Guid Id);
        }

        namespace Legacy
        {
            [Event(Name = "shop.order-placed", Version = 1)] public partial record {|#1:OrderPlaced|}(Guid OrderId);
            [Command(Name = "Shop.Other")] public partial record {|#2:Renamed|}(Guid Id);
        }
        """,
        new DiagnosticResult("CTR005", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("'Shop.OrderPlaced' has the contract name 'shop.order-placed' version 1, as 'Legacy.OrderPlaced' does; the catalog tells contracts apart by name and version"),
        new DiagnosticResult("CTR005", DiagnosticSeverity.Error).WithLocation(3),
        new DiagnosticResult("CTR005", DiagnosticSeverity.Error).WithLocation(1)
            .WithMessage("'Legacy.OrderPlaced' has the contract name 'shop.order-placed' version 1, as 'Shop.OrderPlaced' does; the catalog tells contracts apart by name and version"),
        new DiagnosticResult("CTR005", DiagnosticSeverity.Error).WithLocation(2));

    [Fact]
    public Task A_type_marked_as_two_kinds_is_reported() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using Contracts;

        [Command, Event] public partial record {|#0:PlaceOrder|}(Guid OrderId);
        """,
        new DiagnosticResult("CTR006", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("'PlaceOrder' is marked with more than one of [Command], [Event] and [Query]; a message is exactly one of them"));

    [Fact]
    public Task A_query_without_IQuery_and_no_handler_is_reported_with_no_fix() => ContractsTest.FixAsync(
        """
        using System;
        using Contracts;

        [Query] public partial record {|CTR008:GetOrder|}(Guid OrderId);
        """,
        """
        using System;
        using Contracts;

        [Query] public partial record {|CTR008:GetOrder|}(Guid OrderId);
        """,
        iterations: 0);

    [Fact]
    public Task A_query_without_IQuery_gets_the_result_type_its_handler_answers_with() => ContractsTest.FixAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        public sealed record OrderView(Guid OrderId, string Customer);

        [Query] public partial record {|CTR008:GetOrder|}(Guid OrderId);

        public sealed class GetOrderHandler : IQueryHandler<GetOrder, OrderView?>
        {
            public ValueTask<OrderView?> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) => new((OrderView?)null);
        }
        """,
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        public sealed record OrderView(Guid OrderId, string Customer);

        [Query] public partial record GetOrder(Guid OrderId) : IQuery<OrderView?>;

        public sealed class GetOrderHandler : IQueryHandler<GetOrder, OrderView?>
        {
            public ValueTask<OrderView?> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) => new((OrderView?)null);
        }
        """,
        fixAll: false);

    [Fact]
    public Task The_IQuery_fix_keeps_an_existing_base_list_and_the_brace_on_its_line() => ContractsTest.FixAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        public interface ITraced { }

        [Query]
        public partial class {|CTR008:CountOrders|} : ITraced
        {
            public CountOrders(string customer) => Customer = customer;

            public string Customer { get; }
        }

        public sealed class CountOrdersHandler : IQueryHandler<CountOrders, int>
        {
            public ValueTask<int> HandleAsync(CountOrders query, MessageContext context, CancellationToken cancellationToken) => new(0);
        }
        """,
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        public interface ITraced { }

        [Query]
        public partial class CountOrders : ITraced, IQuery<int>
        {
            public CountOrders(string customer) => Customer = customer;

            public string Customer { get; }
        }

        public sealed class CountOrdersHandler : IQueryHandler<CountOrders, int>
        {
            public ValueTask<int> HandleAsync(CountOrders query, MessageContext context, CancellationToken cancellationToken) => new(0);
        }
        """,
        fixAll: false);
}
