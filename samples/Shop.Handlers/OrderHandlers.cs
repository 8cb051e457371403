using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Shop.Contracts;

namespace Shop.Handlers;

/// <summary>Sends the confirmation mail. Sending it twice is harmless, so it is marked idempotent.</summary>
[Idempotent]
public sealed class ConfirmationMailer(OrderBook orders) : IEventHandler<OrderPlaced>
{
    /// <inheritdoc />
    public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) =>
        orders.NoteAsync(@event.OrderId, $"mailed confirmation to {@event.Customer}", context, cancellationToken);
}

/// <summary>The warehouse and its carrier: reserves and releases stock, ships and calls shipments back.</summary>
public sealed class Warehouse(OrderBook orders) : ICommandHandler<ReserveStock>, ICommandHandler<ReleaseStock>, ICommandHandler<ShipOrder>, ICommandHandler<CancelShipment>
{
    /// <inheritdoc />
    public async ValueTask HandleAsync(ReserveStock command, MessageContext context, CancellationToken cancellationToken)
    {
        await orders.NoteAsync(command.OrderId, $"reserved {command.Items} item{(command.Items == 1 ? "" : "s")}", context, cancellationToken);
        await context.PublishAsync(new StockReserved(command.OrderId), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(ReleaseStock command, MessageContext context, CancellationToken cancellationToken) =>
        orders.NoteAsync(command.OrderId, $"compensation: released {command.Items} item{(command.Items == 1 ? "" : "s")}", context, cancellationToken);

    /// <inheritdoc />
    public async ValueTask HandleAsync(ShipOrder command, MessageContext context, CancellationToken cancellationToken)
    {
        await orders.NoteAsync(command.OrderId, "handed to the carrier", context, cancellationToken);
        if (!command.Customer.StartsWith("margaret", StringComparison.Ordinal)) // scripted: Margaret's carrier never confirms
        {
            await context.PublishAsync(new ShipmentConfirmed(command.OrderId), cancellationToken);
        }
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(CancelShipment command, MessageContext context, CancellationToken cancellationToken) =>
        orders.NoteAsync(command.OrderId, "compensation: shipment called back", context, cancellationToken);
}

/// <summary>Answers <see cref="GetOrder"/> from the read model (<see cref="OrderSummaries"/>), never by replaying the order's stream.</summary>
public sealed class GetOrderHandler(OrderSummaryTable summaries) : IQueryHandler<GetOrder, OrderView?>
{
    /// <inheritdoc />
    public async ValueTask<OrderView?> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) =>
        await summaries.FindAsync(query.OrderId, cancellationToken);
}

/// <summary>
/// Charges cards through the payment gateway and refunds them. Its endpoint retries timeouts; a declined card is a
/// business outcome, answered with <see cref="CardDeclined"/> (the order's saga then compensates), never retried.
/// Its endpoint is effectively-once, so it runs in a consume transaction: what happened to the order is published in
/// it (<see cref="OrderPaid"/>, <see cref="OrderNoted"/>), for the saga, and recorded by <see cref="OrderRecorder"/>.
/// </summary>
public sealed class PaymentHandler(OrderBook orders, PaymentGateway gateway) : ICommandHandler<ChargeCard>, ICommandHandler<RefundCard>
{
    /// <inheritdoc />
    public async ValueTask HandleAsync(ChargeCard command, MessageContext context, CancellationToken cancellationToken)
    {
        try
        {
            gateway.Charge(command.Customer, command.Amount, context.Attempt);
        }
        catch (PaymentDeclinedException declined)
        {
            await context.PublishAsync(new OrderNoted(command.OrderId, $"card declined on attempt {context.Attempt}"), cancellationToken);
            await context.PublishAsync(new CardDeclined(command.OrderId, declined.Message), cancellationToken);
            return;
        }

        await context.PublishAsync(new OrderPaid(command.OrderId, command.Amount, context.Attempt), cancellationToken);
        await context.PublishAsync(new CardCharged(command.OrderId, command.Amount), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(RefundCard command, MessageContext context, CancellationToken cancellationToken) =>
        orders.NoteAsync(command.OrderId, $"compensation: refunded {command.Amount:0.00}", context, cancellationToken);
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

/// <summary>A card was declined: a business outcome, not a transient fault, so it is never retried (the handler answers it with <see cref="CardDeclined"/>).</summary>
public sealed class PaymentDeclinedException(string message) : Exception(message);
