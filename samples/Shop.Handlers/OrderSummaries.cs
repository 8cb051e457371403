using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Shop.Contracts;

namespace Shop.Handlers;

/// <summary>
/// The shop's read model: one summary per order (who, what total, where it stands, what happened), projected from the
/// orders' streams into <see cref="OrderSummaryTable"/>, which <see cref="GetOrderHandler"/> reads. Asynchronous: the
/// bus's daemon projects each batch in one transaction with its checkpoint, so appends (made while the saga's steps run
/// on several endpoints at once) do not wait for it, and a rebuild (<c>--rebuild</c>) can run beside them.
/// </summary>
[Projection(Name = ProjectionName)]
public sealed partial class OrderSummaries(OrderSummaryTable table) :
    IProjection<OrderPlaced>,
    IProjection<OrderNoted>,
    IProjection<OrderPaid>,
    IProjection<OrderShipped>,
    IProjection<OrderCancelled>,
    IRebuildableProjection
{
    /// <summary>The projection's name (its checkpoint's).</summary>
    public const string ProjectionName = "shop-order-summaries";

    /// <inheritdoc />
    public async ValueTask ProjectAsync(OrderPlaced e, ProjectionContext context, CancellationToken cancellationToken) =>
        await table.AddAsync(context, e, cancellationToken);

    /// <inheritdoc />
    public async ValueTask ProjectAsync(OrderNoted e, ProjectionContext context, CancellationToken cancellationToken) =>
        await table.NoteAsync(context, e.OrderId, null, e.Note, cancellationToken);

    /// <inheritdoc />
    public async ValueTask ProjectAsync(OrderPaid e, ProjectionContext context, CancellationToken cancellationToken) =>
        await table.NoteAsync(context, e.OrderId, OrderStatus.Paid, $"paid {e.Amount:0.00} on attempt {e.Attempt}", cancellationToken);

    /// <inheritdoc />
    public async ValueTask ProjectAsync(OrderShipped e, ProjectionContext context, CancellationToken cancellationToken) =>
        await table.NoteAsync(context, e.OrderId, OrderStatus.Shipped, "shipped: the carrier confirmed", cancellationToken);

    /// <inheritdoc />
    public async ValueTask ProjectAsync(OrderCancelled e, ProjectionContext context, CancellationToken cancellationToken) =>
        await table.NoteAsync(context, e.OrderId, OrderStatus.Cancelled, $"order cancelled: {e.Reason}", cancellationToken);

    /// <inheritdoc />
    public async ValueTask ResetAsync(ProjectionContext context, CancellationToken cancellationToken) =>
        await table.ClearAsync(context, cancellationToken);
}
