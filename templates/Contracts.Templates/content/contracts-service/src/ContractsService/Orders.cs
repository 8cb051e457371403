using Contracts;

namespace ContractsService;

/// <summary>Places an order: a command, so exactly one handler takes it. The order id makes a second send of the same order a duplicate.</summary>
[Command]
public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, string Sku, int Quantity);

/// <summary>An order was placed: an event, so every subscriber gets it.</summary>
[Event]
public partial record OrderPlaced([property: IdempotencyKey] Guid OrderId, decimal Total);

/// <summary>Asks for an order's state: a query, answered by one handler.</summary>
[Query]
public partial record GetOrder(Guid OrderId) : IQuery<OrderStatus>;

/// <summary>What <see cref="GetOrder"/> answers.</summary>
public sealed record OrderStatus(Guid OrderId, bool Placed, decimal Total);
