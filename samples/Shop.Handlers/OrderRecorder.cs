using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Shop.Contracts;

namespace Shop.Handlers;

/// <summary>
/// Appends to the order's stream the order's events that the saga and the payment handler publish as messages (the
/// saga, the mailer and the warehouse react to them): one place records them all. Running twice is harmless: the
/// order records each fact once.
/// </summary>
[Idempotent]
public sealed class OrderRecorder(OrderBook orders) :
    IEventHandler<OrderPlaced>,
    IEventHandler<OrderPaid>,
    IEventHandler<OrderShipped>,
    IEventHandler<OrderCancelled>,
    IEventHandler<OrderNoted>
{
    /// <inheritdoc />
    public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) =>
        orders.PlaceAsync(@event.OrderId, @event.Customer, @event.Total, @event.PlacedAt, context, cancellationToken);

    /// <inheritdoc />
    public ValueTask HandleAsync(OrderPaid @event, MessageContext context, CancellationToken cancellationToken) =>
        orders.PayAsync(@event.OrderId, @event.Amount, @event.Attempt, context, cancellationToken);

    /// <inheritdoc />
    public ValueTask HandleAsync(OrderShipped @event, MessageContext context, CancellationToken cancellationToken) =>
        orders.ShipAsync(@event.OrderId, context, cancellationToken);

    /// <inheritdoc />
    public ValueTask HandleAsync(OrderCancelled @event, MessageContext context, CancellationToken cancellationToken) =>
        orders.CancelAsync(@event.OrderId, @event.Reason, context, cancellationToken);

    /// <inheritdoc />
    public ValueTask HandleAsync(OrderNoted @event, MessageContext context, CancellationToken cancellationToken) =>
        orders.NoteAsync(@event.OrderId, @event.Note, context, cancellationToken);
}
