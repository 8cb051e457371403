using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Contracts.EventSourcing;

namespace Shop.Handlers;

/// <summary>
/// Records what happens to an order in its stream: loads the <see cref="Order"/>, lets it decide, saves what it raised.
/// The handlers of the order's steps run at once on several endpoints, so two of them often save the same order from
/// the same version; the one that loses loads again and decides again, here, rather than spending a retry of its
/// endpoint. Loads and saves go through the handler's context: called from a handler whose delivery has a consume
/// transaction (a saga step, an effectively-once handler), they join it and commit with it.
/// </summary>
public sealed class OrderBook(IAggregateStore aggregates)
{
    private const int Attempts = 20;

    /// <summary>Places the order (see <see cref="Order.Place"/>).</summary>
    public ValueTask PlaceAsync(Guid orderId, string customer, decimal total, DateTimeOffset placedAt, MessageContext context, CancellationToken cancellationToken) =>
        RecordAsync(orderId, (customer, total, placedAt), static (order, id, a) => order.Place(id, a.customer, a.total, a.placedAt), context, cancellationToken);

    /// <summary>Records a step of the order (see <see cref="Order.Note"/>).</summary>
    public ValueTask NoteAsync(Guid orderId, string note, MessageContext context, CancellationToken cancellationToken) =>
        RecordAsync(orderId, note, static (order, id, n) => order.Note(id, n), context, cancellationToken);

    /// <summary>Marks the order paid (see <see cref="Order.Pay"/>).</summary>
    public ValueTask PayAsync(Guid orderId, decimal amount, int attempt, MessageContext context, CancellationToken cancellationToken) =>
        RecordAsync(orderId, (amount, attempt), static (order, id, a) => order.Pay(id, a.amount, a.attempt), context, cancellationToken);

    /// <summary>Marks the order shipped (see <see cref="Order.Ship"/>).</summary>
    public ValueTask ShipAsync(Guid orderId, MessageContext context, CancellationToken cancellationToken) =>
        RecordAsync(orderId, 0, static (order, id, _) => order.Ship(id), context, cancellationToken);

    /// <summary>Cancels the order (see <see cref="Order.Cancel"/>).</summary>
    public ValueTask CancelAsync(Guid orderId, string reason, MessageContext context, CancellationToken cancellationToken) =>
        RecordAsync(orderId, reason, static (order, id, r) => order.Cancel(id, r), context, cancellationToken);

    /// <summary>The order as its stream has it now.</summary>
    public ValueTask<Order> LoadAsync(Guid orderId, CancellationToken cancellationToken) => aggregates.LoadAsync<Order>(orderId.ToString(), cancellationToken);

    private async ValueTask RecordAsync<TArgument>(
        Guid orderId, TArgument argument, Action<Order, Guid, TArgument> decide, MessageContext context, CancellationToken cancellationToken)
    {
        // Appended, not published: the order's events that are messages were published already, by the step that
        // decided them (OrderRecorder records them); publishing the stored copies would deliver them to it again. The
        // log still says which message caused each event.
        var options = new AppendOptions { CorrelationId = context.CorrelationId, CausationId = context.MessageId, Publish = false, Context = context };
        for (int attempt = 1; ; attempt++)
        {
            Order order = await aggregates.LoadAsync<Order>(orderId.ToString(), context, cancellationToken);
            decide(order, orderId, argument);
            if (order.PendingEvents.Count == 0)
            {
                return; // recorded already: a redelivered message
            }

            try
            {
                await aggregates.SaveAsync(order, options, cancellationToken);
                return;
            }
            catch (WrongExpectedVersionException) when (attempt < Attempts)
            {
                // Another step saved this order first: load it again and decide again. After Attempts tries the
                // exception goes to the endpoint, whose retries take over.
                continue;
            }
        }
    }
}
