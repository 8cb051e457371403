using System.Collections.Concurrent;
using Contracts;

namespace ContractsService;

/// <summary>The orders the handlers placed: the state they share, registered in DI (Program.cs). Use your database here.</summary>
public sealed class OrderBook
{
    private readonly ConcurrentDictionary<Guid, decimal> _totals = new();

    /// <summary>The price of one item of <paramref name="sku"/>.</summary>
    public decimal PriceOf(string sku) => sku.Length > 0 ? 21m : 0m;

    public void Place(Guid orderId, decimal total) => _totals[orderId] = total;

    public OrderStatus Find(Guid orderId) =>
        _totals.TryGetValue(orderId, out decimal total) ? new OrderStatus(orderId, true, total) : new OrderStatus(orderId, false, 0m);
}

/// <summary>Places the order and tells the world: the event is published with this message's correlation id.</summary>
public sealed class PlaceOrderHandler(OrderBook orders) : ICommandHandler<PlaceOrder>
{
    public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
    {
        decimal total = orders.PriceOf(command.Sku) * command.Quantity;
        orders.Place(command.OrderId, total);
        await context.PublishAsync(new OrderPlaced(command.OrderId, total), cancellationToken);
    }
}

/// <summary>One subscriber of <see cref="OrderPlaced"/>: it logs (a mailer, a projection, another service would go here).</summary>
public sealed class OrderPlacedLogger(ILogger<OrderPlacedLogger> logger) : IEventHandler<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken)
    {
        logger.LogInformation("Order {OrderId} placed, total {Total}", @event.OrderId, @event.Total);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Answers <see cref="GetOrder"/> from the order book.</summary>
public sealed class GetOrderHandler(OrderBook orders) : IQueryHandler<GetOrder, OrderStatus>
{
    public ValueTask<OrderStatus> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(orders.Find(query.OrderId));
}
