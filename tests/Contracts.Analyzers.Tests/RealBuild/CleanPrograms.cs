namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>A correct program: a build of it must print no diagnostic at all.</summary>
public sealed record CleanProgram(string Name, params string[] Sources)
{
    public override string ToString() => Name;
}

/// <summary>Correct, varied programs: what users write when they get it right.</summary>
internal static class CleanPrograms
{
    public static readonly CleanProgram[] All =
    [
        new("ordered per account", """
            using Contracts;

            namespace Ledger;

            public enum Region { Eu, Us }

            [Command] public partial record Post([property: PartitionKey] Guid Account, [property: PartitionKey] Region Region, [property: IdempotencyKey] Guid EntryId, decimal Amount);
            [Event] public partial record Posted([property: PartitionKey] Guid Account, [property: IdempotencyKey] Guid EntryId);

            public sealed class PostHandler : ICommandHandler<Post>
            {
                public async ValueTask HandleAsync(Post command, MessageContext context, CancellationToken cancellationToken)
                    => await context.PublishAsync(new Posted(command.Account, command.EntryId), cancellationToken);
            }

            public sealed class PostedHandler : IEventHandler<Posted>
            {
                public ValueTask HandleAsync(Posted @event, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            }
            """),
        new("the README's shop", """
            using Contracts;

            namespace Shop;

            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, string Sku, int Quantity);
            [Event] public partial record OrderPlaced(Guid OrderId, decimal Total);
            public sealed record OrderView(Guid OrderId, string Sku);
            [Query] public partial record GetOrder(Guid OrderId) : IQuery<OrderView>;

            public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
            {
                public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
                    => await context.PublishAsync(new OrderPlaced(command.OrderId, 42m), cancellationToken);
            }

            [Idempotent]
            public sealed class Mailer : IEventHandler<OrderPlaced>
            {
                public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            }

            public sealed class GetOrderHandler : IQueryHandler<GetOrder, OrderView>
            {
                public ValueTask<OrderView> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken)
                    => ValueTask.FromResult(new OrderView(query.OrderId, "sku-1"));
            }
            """),
        new("contracts nested in partial classes, global namespace, names and versions", """
            using Contracts;

            public static partial class Billing
            {
                [Command(Name = "billing.send-invoice", Version = 2)]
                public partial record SendInvoice([property: IdempotencyKey] Guid InvoiceId, string Email);

                public static partial class Events
                {
                    [Event] public partial record InvoiceSent(Guid InvoiceId, DateTimeOffset At);
                }
            }

            [Event] public partial record Pinged(int Sequence);

            public sealed class SendInvoiceHandler : ICommandHandler<Billing.SendInvoice>
            {
                public ValueTask HandleAsync(Billing.SendInvoice command, MessageContext context, CancellationToken cancellationToken)
                    => context.PublishAsync(new Billing.Events.InvoiceSent(command.InvoiceId, DateTimeOffset.UnixEpoch), cancellationToken);
            }
            """),
        new("a contract deriving from another", """
            using Contracts;

            namespace Shipping;

            [Event] public partial record Shipped(Guid OrderId, string Carrier);
            [Event] public partial record ShippedExpress(Guid OrderId, string Carrier, int Hours) : Shipped(OrderId, Carrier);

            [Idempotent]
            public sealed class Tracker : IEventHandler<Shipped>, IEventHandler<ShippedExpress>
            {
                public ValueTask HandleAsync(Shipped @event, MessageContext context, CancellationToken cancellationToken) => default;
                public ValueTask HandleAsync(ShippedExpress @event, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """),
        new("enums, nested records, read-only collections and init properties", """
            using System.Collections.Immutable;
            using Contracts;

            namespace Kitchen;

            public enum Size : byte { Small, Large }
            public sealed record Line(string Sku, int Quantity, Size Size);

            [Command]
            public partial record Cook([property: IdempotencyKey] Guid TicketId, IReadOnlyList<Line> Lines, ImmutableArray<string> Notes)
            {
                public IReadOnlyDictionary<string, int> Extras { get; init; } = new Dictionary<string, int>();
                public string? Table { get; init; }
                public DateOnly Day { get; init; }
            }

            [Event]
            public partial class Cooked
            {
                public Cooked(Guid ticketId, TimeSpan took) { TicketId = ticketId; Took = took; }
                public Guid TicketId { get; }
                public TimeSpan Took { get; }
            }

            public sealed class CookHandler : ICommandHandler<Cook>
            {
                public async ValueTask HandleAsync(Cook command, MessageContext context, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    await context.PublishAsync(new Cooked(command.TicketId, TimeSpan.FromSeconds(1)), cancellationToken);
                }
            }
            """),
        new("handlers with constructor dependencies, helpers and a token passed everywhere", """
            using System.Threading.Channels;
            using Contracts;

            namespace Inventory;

            [Command] public partial record Reserve([property: IdempotencyKey] Guid ReservationId, string Sku);
            public interface IStock { Task<int> CountAsync(string sku, CancellationToken cancellationToken); }

            public sealed class ReserveHandler(IStock stock, Channel<string> audit) : ICommandHandler<Reserve>
            {
                public async ValueTask HandleAsync(Reserve command, MessageContext context, CancellationToken cancellationToken)
                {
                    int count = await CountAsync(command.Sku, cancellationToken);
                    if (count > 0)
                    {
                        await audit.Writer.WriteAsync(command.Sku, cancellationToken);
                    }

                    await foreach (string line in audit.Reader.ReadAllAsync().WithCancellation(cancellationToken))
                    {
                        _ = line;
                        break;
                    }
                }

                private Task<int> CountAsync(string sku, CancellationToken cancellationToken) => stock.CountAsync(sku, cancellationToken);
            }
            """),
        new("a query returning a list, and a query handler reading only", """
            using Contracts;

            namespace Catalog;

            public sealed record Product(string Sku, decimal Price);
            [Query] public partial record ListProducts(int Page) : IQuery<IReadOnlyList<Product>>;

            public sealed class ListProductsHandler : IQueryHandler<ListProducts, IReadOnlyList<Product>>
            {
                private static readonly Product[] s_products = [new("a", 1m), new("b", 2m)];

                public ValueTask<IReadOnlyList<Product>> HandleAsync(ListProducts query, MessageContext context, CancellationToken cancellationToken)
                    => ValueTask.FromResult<IReadOnlyList<Product>>(s_products.Skip(query.Page * 10).Take(10).ToArray());
            }
            """),
        new("a sender that awaits every call to the bus", """
            using Contracts;

            namespace Checkout;

            [Command] public partial record Pay([property: IdempotencyKey] Guid PaymentId, decimal Amount);
            [Query] public partial record GetBalance(Guid AccountId) : IQuery<decimal>;

            public sealed class CheckoutService(IMessageBus bus)
            {
                public async Task<decimal> PayAsync(Guid id, CancellationToken cancellationToken)
                {
                    await bus.SendAsync(new Pay(id, 10m), cancellationToken: cancellationToken);
                    ValueTask pending = bus.SendAsync(new Pay(Guid.NewGuid(), 1m), cancellationToken: cancellationToken);
                    await pending;
                    return await bus.QueryAsync(new GetBalance(id), cancellationToken: cancellationToken);
                }
            }
            """),
        new("a handler that catches what it can handle and rethrows the rest", """
            using Contracts;

            namespace Mail;

            [Event] public partial record Registered(Guid UserId, string Email);

            [Idempotent]
            public sealed class Welcome : IEventHandler<Registered>
            {
                public async ValueTask HandleAsync(Registered @event, MessageContext context, CancellationToken cancellationToken)
                {
                    try
                    {
                        await Task.Delay(1, cancellationToken);
                    }
                    catch (TimeoutException)
                    {
                        // A slow mail server: the next attempt will do.
                        throw;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        throw new InvalidOperationException("mail failed for " + @event.UserId, ex);
                    }
                }
            }
            """),
        new("one class handling several messages of several kinds", """
            using Contracts;

            namespace Orders;

            [Command] public partial record Open([property: IdempotencyKey] Guid Id);
            [Command] public partial record Close([property: IdempotencyKey] Guid Id);
            [Event] public partial record Opened(Guid Id);
            [Query] public partial record IsOpen(Guid Id) : IQuery<bool>;

            public sealed class OrderHandlers : ICommandHandler<Open>, ICommandHandler<Close>, IQueryHandler<IsOpen, bool>
            {
                public ValueTask HandleAsync(Open command, MessageContext context, CancellationToken cancellationToken) => context.PublishAsync(new Opened(command.Id), cancellationToken);
                public ValueTask HandleAsync(Close command, MessageContext context, CancellationToken cancellationToken) => default;
                public ValueTask<bool> HandleAsync(IsOpen query, MessageContext context, CancellationToken cancellationToken) => ValueTask.FromResult(true);
            }

            [Idempotent]
            internal sealed class Projection : IEventHandler<Opened>
            {
                public ValueTask HandleAsync(Opened @event, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """),
        new("a handler publishing through the bus on an at-least-once endpoint its own host configures", """
            using Contracts;
            using Microsoft.Extensions.DependencyInjection;

            namespace Shop;

            [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            [Event] public partial record OrderPlaced(Guid OrderId);

            public sealed class PlaceOrderHandler(IMessageBus bus) : ICommandHandler<PlaceOrder>
            {
                public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
                    => await bus.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken: cancellationToken);
            }

            public static class Host
            {
                public static IServiceCollection AddShop(this IServiceCollection services) =>
                    services.AddContracts(o => o.UseInMemoryTransport(t =>
                    {
                        t.Defaults.Retry.ImmediateRetries = 2;
                        t.Endpoint<PlaceOrder>(e => { e.MaxConcurrency = 4; e.Delivery = DeliveryMode.AtLeastOnce; });
                    }));
            }
            """),
        new("contracts with defaults that are constants", """
            using Contracts;

            namespace Tuning;

            [Command]
            public partial record Tune([property: IdempotencyKey] string Key, int Level = 3, string Mode = "auto", double Ratio = 0.5)
            {
                public bool Verbose { get; init; } = false;
            }

            public sealed class TuneHandler : ICommandHandler<Tune>
            {
                public ValueTask HandleAsync(Tune command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            }
            """),
        .. SagaMistakes.Clean,
        .. AggregateMistakes.Clean,
        .. ProjectionMistakes.Clean,
    ];
}
