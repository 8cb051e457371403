using System;
using System.Collections.Generic;
using Contracts;

namespace Shop.Contracts;

/// <summary>One line of an order.</summary>
public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

/// <summary>
/// Places an order: it starts the order's saga (Shop.Handlers.OrderSaga). The order id is the idempotency key (placing
/// the same order twice places it once) and the saga id (every message of the order's saga carries it).
/// </summary>
[Command]
public partial record PlaceOrder([property: IdempotencyKey, SagaId] Guid OrderId, string Customer, IReadOnlyList<OrderLine> Lines);

/// <summary>Charges the customer's card for an order. The order id is the key: an order is charged once.</summary>
[Command]
public partial record ChargeCard([property: IdempotencyKey] Guid OrderId, string Customer, decimal Amount);

/// <summary>An order was placed.</summary>
[Event]
public partial record OrderPlaced(Guid OrderId, string Customer, decimal Total, DateTimeOffset PlacedAt);

// The order's own facts, recorded with OrderPlaced in its event-sourced stream (Shop.Handlers.Order), from which the
// read model (Shop.Handlers.OrderSummaries) is projected. The order saga and the payment handler publish the ones they
// decide, and Shop.Handlers.OrderRecorder appends them; the warehouse and the mailer append their notes themselves.

/// <summary>A step of an order was recorded (stock reserved, the confirmation mailed, a compensation done...).</summary>
[Event]
public partial record OrderNoted(Guid OrderId, string Note);

/// <summary>An order was paid, on the <c>Attempt</c>-th delivery of its charge.</summary>
[Event]
public partial record OrderPaid(Guid OrderId, decimal Amount, int Attempt);

/// <summary>An order was shipped: the carrier confirmed.</summary>
[Event]
public partial record OrderShipped(Guid OrderId);

/// <summary>An order was cancelled: its saga compensated what it had done.</summary>
[Event]
public partial record OrderCancelled(Guid OrderId, string Reason);

/// <summary>Reads an order back.</summary>
[Query]
public partial record GetOrder(Guid OrderId) : IQuery<OrderView?>;

/// <summary>What <see cref="GetOrder"/> returns.</summary>
public sealed record OrderView(Guid OrderId, string Customer, decimal Total, OrderStatus Status, IReadOnlyList<string> Notes);

/// <summary>Where an order stands.</summary>
public enum OrderStatus
{
    /// <summary>Accepted, not yet paid.</summary>
    Placed,

    /// <summary>Paid.</summary>
    Paid,

    /// <summary>Paid and shipped: the order's saga completed.</summary>
    Shipped,

    /// <summary>Cancelled: the order's saga compensated what it had done (a declined card, a shipment not confirmed in time).</summary>
    Cancelled,
}
