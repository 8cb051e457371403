using System;
using Contracts;

namespace Shop.Contracts;

// The steps of an order, driven by its saga (Shop.Handlers.OrderSaga): reserve stock -> charge card -> ship. Commands
// are keyed on the order (each is done once per order); events and the timeout carry the order id as their [SagaId].

/// <summary>Reserves an order's stock.</summary>
[Command]
public partial record ReserveStock([property: IdempotencyKey] Guid OrderId, int Items);

/// <summary>Gives an order's reserved stock back (the compensation of <see cref="ReserveStock"/>).</summary>
[Command]
public partial record ReleaseStock([property: IdempotencyKey] Guid OrderId, int Items);

/// <summary>The stock of an order is reserved.</summary>
[Event]
public partial record StockReserved([property: SagaId] Guid OrderId);

/// <summary>The card was charged.</summary>
[Event]
public partial record CardCharged([property: SagaId] Guid OrderId, decimal Amount);

/// <summary>The card was declined: nothing was charged.</summary>
[Event]
public partial record CardDeclined([property: SagaId] Guid OrderId, string Reason);

/// <summary>Refunds a charged order (the compensation of a charge that went through).</summary>
[Command]
public partial record RefundCard([property: IdempotencyKey] Guid OrderId, string Customer, decimal Amount);

/// <summary>Hands an order to the carrier.</summary>
[Command]
public partial record ShipOrder([property: IdempotencyKey] Guid OrderId, string Customer);

/// <summary>Calls a shipment back (the compensation of <see cref="ShipOrder"/>).</summary>
[Command]
public partial record CancelShipment([property: IdempotencyKey] Guid OrderId);

/// <summary>The carrier confirmed the shipment.</summary>
[Event]
public partial record ShipmentConfirmed([property: SagaId] Guid OrderId);

/// <summary>The order saga's timeout: the shipment was not confirmed in time.</summary>
[Command]
public partial record ShipmentOverdue([property: SagaId] Guid OrderId);
