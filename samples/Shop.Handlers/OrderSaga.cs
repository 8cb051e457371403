using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Shop.Contracts;

namespace Shop.Handlers;

/// <summary>What the order's saga keeps between its steps.</summary>
public sealed record OrderProgress
{
    /// <summary>Who ordered.</summary>
    public string Customer { get; init; } = "";

    /// <summary>How many items are reserved.</summary>
    public int Items { get; init; }

    /// <summary>What the card is charged.</summary>
    public decimal Total { get; init; }
}

/// <summary>
/// An order as a saga: reserve stock, charge the card, ship. A declined card releases the stock and cancels the order; a
/// shipment the carrier does not confirm in time is compensated (the shipment called back, the card refunded, the stock
/// released, newest first). The saga coordinates; the order records: a step that changes the order publishes the order's
/// event through its context (committed with the step), and <see cref="OrderRecorder"/> appends it to the order's stream
/// (<see cref="Order"/>), which the read model <see cref="OrderSummaries"/> follows. A step does not save the order
/// itself: it runs in its delivery's consume transaction, which on SQLite holds the store's only writer.
/// </summary>
[Saga(Name = "Shop.Order")]
public sealed partial class OrderSaga(TimeProvider time) : Saga<OrderProgress>,
    IStartedBy<PlaceOrder>,
    IHandles<StockReserved>,
    IHandles<CardCharged>,
    IHandles<CardDeclined>,
    IHandles<ShipmentConfirmed>,
    IHandles<ShipmentOverdue>
{
    /// <summary>How long the carrier has to confirm a shipment (a sample's hours are seconds).</summary>
    public static readonly TimeSpan ShipmentTimeout = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public ValueTask HandleAsync(PlaceOrder message, SagaContext context, CancellationToken cancellationToken)
    {
        decimal total = 0;
        int items = 0;
        foreach (OrderLine line in message.Lines)
        {
            total += line.Quantity * line.UnitPrice;
            items += line.Quantity;
        }

        State = new OrderProgress { Customer = message.Customer, Items = items, Total = total };
        context.Publish(new OrderPlaced(message.OrderId, message.Customer, total, time.GetUtcNow()));
        context.Send(new ReserveStock(message.OrderId, items), compensateWith: new ReleaseStock(message.OrderId, items));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(StockReserved message, SagaContext context, CancellationToken cancellationToken)
    {
        // A declined card charges nothing, so the charge itself needs no compensation; a charge that goes through does (below).
        context.SendWithoutCompensation(new ChargeCard(message.OrderId, State.Customer, State.Total));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(CardCharged message, SagaContext context, CancellationToken cancellationToken)
    {
        context.RecordCompensation(new RefundCard(message.OrderId, State.Customer, message.Amount));
        context.Send(new ShipOrder(message.OrderId, State.Customer), compensateWith: new CancelShipment(message.OrderId));
        context.RequestTimeout(new ShipmentOverdue(message.OrderId), ShipmentTimeout);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(CardDeclined message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Publish(new OrderCancelled(message.OrderId, "the card was declined")); // before the saga ends: then it sends nothing more
        context.Compensate($"card declined: {message.Reason}");
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(ShipmentConfirmed message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Publish(new OrderShipped(message.OrderId));
        context.Complete(); // the shipment timeout, still pending, is cancelled: it will run no step
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(ShipmentOverdue message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Publish(new OrderCancelled(message.OrderId, "the shipment was not confirmed in time"));
        context.Compensate($"the carrier did not confirm the shipment within {ShipmentTimeout.TotalSeconds:0} s");
        return ValueTask.CompletedTask;
    }
}
