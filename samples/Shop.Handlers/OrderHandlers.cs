using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Shop.Contracts;

namespace Shop.Handlers;

/// <summary>Places orders: the one handler of <see cref="PlaceOrder"/>.</summary>
public sealed class PlaceOrderHandler(OrderStore store, TimeProvider time) : ICommandHandler<PlaceOrder>
{
    /// <inheritdoc />
    public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
    {
        decimal total = 0;
        foreach (OrderLine line in command.Lines)
        {
            total += line.Quantity * line.UnitPrice;
        }

        store.Add(new OrderView(command.OrderId, command.Customer, total, OrderStatus.Placed, []));
        await context.PublishAsync(new OrderPlaced(command.OrderId, command.Customer, total, time.GetUtcNow()), cancellationToken);
    }
}

/// <summary>Sends the confirmation mail. Sending it twice is harmless, so it is marked idempotent.</summary>
[Idempotent]
public sealed class ConfirmationMailer(OrderStore store) : IEventHandler<OrderPlaced>
{
    /// <inheritdoc />
    public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken)
    {
        store.Note(@event.OrderId, $"mailed confirmation to {@event.Customer}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Reserves stock for a placed order.</summary>
[Idempotent]
public sealed class StockReserver(OrderStore store) : IEventHandler<OrderPlaced>
{
    /// <inheritdoc />
    public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken)
    {
        store.Note(@event.OrderId, $"reserved stock (correlation {context.CorrelationId:N})");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Answers <see cref="GetOrder"/> from the read model.</summary>
public sealed class GetOrderHandler(OrderStore store) : IQueryHandler<GetOrder, OrderView?>
{
    /// <inheritdoc />
    public ValueTask<OrderView?> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(store.Find(query.OrderId));
}
