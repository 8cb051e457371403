using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>CTR002: a handler that may run twice for one message; CTR009: a key member without a canonical value.</summary>
public sealed class IdempotencyTests
{
    [Fact]
    public Task A_command_handler_without_key_or_Idempotent_is_reported() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder(Guid OrderId, string Sku);

        public sealed class {|#0:PlaceOrderHandler|} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        new DiagnosticResult("CTR002", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'PlaceOrderHandler' handles 'PlaceOrder', which has no [IdempotencyKey] member, and is not marked [Idempotent]; at-least-once delivery or a second send can run it twice for the same logical message"));

    [Fact]
    public Task An_event_handler_without_key_or_Idempotent_is_reported() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Event] public partial record OrderPlaced(Guid OrderId);

        public sealed class {|CTR002:Mailer|} : IEventHandler<OrderPlaced>
        {
            public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public Task A_key_on_a_property_or_parameter_or_Idempotent_on_the_handler_or_a_query_is_fine() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record ByProperty([property: IdempotencyKey] Guid Id);
        [Command] public partial record ByParameter([IdempotencyKey] Guid Id);
        [Command] public partial record ByBody(Guid Id)
        {
            [IdempotencyKey] public string Reference { get; init; } = "";
        }
        [Event] public partial record Happened(Guid Id);
        [Query] public partial record Read(Guid Id) : IQuery<int>;

        public sealed class Handlers : ICommandHandler<ByProperty>, ICommandHandler<ByParameter>, ICommandHandler<ByBody>, IQueryHandler<Read, int>
        {
            public ValueTask HandleAsync(ByProperty command, MessageContext context, CancellationToken cancellationToken) => default;
            public ValueTask HandleAsync(ByParameter command, MessageContext context, CancellationToken cancellationToken) => default;
            public ValueTask HandleAsync(ByBody command, MessageContext context, CancellationToken cancellationToken) => default;
            public ValueTask<int> HandleAsync(Read query, MessageContext context, CancellationToken cancellationToken) => new(1);
        }

        [Idempotent]
        public sealed class Safe : IEventHandler<Happened>
        {
            public ValueTask HandleAsync(Happened @event, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public Task Idempotent_fix_marks_the_handler() => ContractsTest.FixAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder(Guid OrderId, string Sku);

        /// <summary>Places orders.</summary>
        public sealed class {|CTR002:PlaceOrderHandler|} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder(Guid OrderId, string Sku);

        /// <summary>Places orders.</summary>
        [Idempotent]
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        "Idempotent",
        fixAll: false);

    [Fact]
    public Task Key_fix_marks_a_positional_parameter_as_the_property_key() => ContractsTest.FixAsync(
        """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder(Guid OrderId, string Sku, IReadOnlyList<string> Notes);

        public sealed class {|CTR002:PlaceOrderHandler|} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, string Sku, IReadOnlyList<string> Notes);

        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        "IdempotencyKey.PlaceOrder.OrderId",
        fixAll: false);

    [Fact]
    public Task Key_fix_is_offered_for_each_candidate_and_marks_a_body_property() => ContractsTest.FixAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Event] public partial record Shipped(Guid OrderId)
        {
            public string Carrier { get; init; } = "";
        }

        public sealed class {|CTR002:Tracker|} : IEventHandler<Shipped>
        {
            public ValueTask HandleAsync(Shipped @event, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Event] public partial record Shipped(Guid OrderId)
        {
            [IdempotencyKey]
            public string Carrier { get; init; } = "";
        }

        public sealed class Tracker : IEventHandler<Shipped>
        {
            public ValueTask HandleAsync(Shipped @event, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        "IdempotencyKey.Shipped.Carrier",
        fixAll: false);

    [Fact]
    public Task A_key_on_a_collection_or_a_user_type_is_reported_where_it_is_declared() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using System.Collections.Generic;
        using Contracts;

        public sealed record Money(decimal Amount, string Currency);

        [Command] public partial record Pay([property: IdempotencyKey] IReadOnlyList<string> {|#0:Lines|}, [property: IdempotencyKey] Money {|#1:Total|});
        """,
        new DiagnosticResult("CTR009", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("[IdempotencyKey] member 'Pay.Lines' is a 'System.Collections.Generic.IReadOnlyList<string>'; a key member must be a string, integer, bool, char, enum, Guid, date, time or decimal"),
        new DiagnosticResult("CTR009", DiagnosticSeverity.Error).WithLocation(1));

    [Fact]
    public Task Keys_on_scalars_are_fine() => ContractsTest.AnalyzeAsync("""
        using System;
        using Contracts;

        public enum Currency { Eur, Usd }

        [Command] public partial record Pay(
            [property: IdempotencyKey] Guid Id, [property: IdempotencyKey] string Reference, [property: IdempotencyKey] decimal Amount,
            [property: IdempotencyKey] Currency Currency, [property: IdempotencyKey] DateOnly Day, [property: IdempotencyKey] int? Attempt);
        """);

    [Fact]
    public Task A_floating_point_key_is_reported() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using Contracts;

        [Command] public partial record Weigh([property: IdempotencyKey] Guid Id, [property: IdempotencyKey] double {|#0:Kilograms|}, [property: IdempotencyKey] float? {|#1:Ratio|});
        """,
        new DiagnosticResult("CTR009", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("[IdempotencyKey] member 'Weigh.Kilograms' is a 'double'; a key member must be a string, integer, bool, char, enum, Guid, date, time or decimal"),
        new DiagnosticResult("CTR009", DiagnosticSeverity.Error).WithLocation(1));
}
