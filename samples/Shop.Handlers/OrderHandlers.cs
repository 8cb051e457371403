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
        await context.SendAsync(new ChargeCard(command.OrderId, command.Customer, total), cancellationToken);
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

/// <summary>Charges cards through the payment gateway. Its endpoint retries timeouts and never retries a declined card.</summary>
public sealed class PaymentHandler(OrderStore store, PaymentGateway gateway) : ICommandHandler<ChargeCard>
{
    /// <inheritdoc />
    public ValueTask HandleAsync(ChargeCard command, MessageContext context, CancellationToken cancellationToken)
    {
        gateway.Charge(command.Customer, command.Amount, context.Attempt);
        store.MarkPaid(command.OrderId, $"paid {command.Amount:0.00} on attempt {context.Attempt}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>A stand-in for a card processor, scripted so the sample is repeatable: Grace's payment times out twice, Linus's card is declined.</summary>
public sealed class PaymentGateway
{
    /// <summary>Charges <paramref name="amount"/> to <paramref name="customer"/>'s card.</summary>
    /// <exception cref="TimeoutException">The gateway did not answer (worth retrying).</exception>
    /// <exception cref="PaymentDeclinedException">The card was declined (retrying cannot help).</exception>
    public void Charge(string customer, decimal amount, int attempt)
    {
        if (customer.StartsWith("grace", StringComparison.Ordinal) && attempt <= 2)
        {
            throw new TimeoutException($"The payment gateway did not answer within 2 s (attempt {attempt}).");
        }

        if (customer.StartsWith("linus", StringComparison.Ordinal))
        {
            throw new PaymentDeclinedException($"The card of {customer} was declined for {amount:0.00}: insufficient funds.");
        }
    }
}

/// <summary>A card was declined: a business outcome, not a transient fault, so it is never retried.</summary>
public sealed class PaymentDeclinedException(string message) : Exception(message);
