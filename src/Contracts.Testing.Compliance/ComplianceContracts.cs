using System;

// The suite's own contracts: wire names under "Compliance." so they never meet a transport's own test contracts.
// Internal: a transport's tests reach them only through the suite, never by type.
namespace Contracts.Testing.Compliance;

/// <summary>A command that is handled once and recorded.</summary>
[Command(Name = ComplianceEndpoints.Ping)]
internal sealed partial record Ping([property: IdempotencyKey] Guid Id);

/// <summary>An event with two subscriptions.</summary>
[Event(Name = ComplianceEndpoints.Pinged)]
internal sealed partial record Pinged([property: IdempotencyKey] Guid Id);

/// <summary>A query answered at once.</summary>
[Query(Name = ComplianceEndpoints.Echo)]
internal sealed partial record Echo(Guid Id, int Value) : IQuery<EchoReply>;

/// <summary>The reply to <see cref="Echo"/> and <see cref="SlowEcho"/>.</summary>
internal sealed record EchoReply(Guid Id, int Doubled);

/// <summary>A query whose handler takes <c>DelayMs</c> before it answers.</summary>
[Query(Name = ComplianceEndpoints.SlowEcho)]
internal sealed partial record SlowEcho(Guid Id, int Value, int DelayMs) : IQuery<EchoReply>;

/// <summary>A command sent with a delay.</summary>
[Command(Name = ComplianceEndpoints.Later)]
internal sealed partial record Later([property: IdempotencyKey] Guid Id);

/// <summary>A command whose handler throws until the test heals its id.</summary>
[Command(Name = ComplianceEndpoints.Poison)]
internal sealed partial record Poison([property: IdempotencyKey] Guid Id);

/// <summary>A command the unreadable test sends bad bytes for, then a good one.</summary>
[Command(Name = ComplianceEndpoints.Parcel)]
internal sealed partial record Parcel([property: IdempotencyKey] Guid Id, string Text);

/// <summary>A command whose handler takes <c>HoldMs</c>, to measure concurrency.</summary>
[Command(Name = ComplianceEndpoints.Work)]
internal sealed partial record Work([property: IdempotencyKey] Guid Id, int HoldMs);

/// <summary>A command whose handler is still running when the bus stops.</summary>
[Command(Name = ComplianceEndpoints.Busy)]
internal sealed partial record Busy([property: IdempotencyKey] Guid Id, int HoldMs);

/// <summary>
/// A command left unhandled by a stop: one with <c>Block</c> holds the endpoint's only worker until the bus cancels
/// it (while the log says to hold), so the ones sent after it wait in the endpoint when the bus stops.
/// </summary>
[Command(Name = ComplianceEndpoints.Parked)]
internal sealed partial record Parked([property: IdempotencyKey] Guid Id, bool Block);

/// <summary>A topic-test event one level under <c>Compliance.Topics.Orders</c>.</summary>
[Event(Name = "Compliance.Topics.Orders.Placed")]
internal sealed partial record TopicOrderPlaced([property: IdempotencyKey] Guid Id);

/// <summary>A second topic-test event one level under <c>Compliance.Topics.Orders</c>.</summary>
[Event(Name = "Compliance.Topics.Orders.Shipped")]
internal sealed partial record TopicOrderShipped([property: IdempotencyKey] Guid Id);

/// <summary>A topic-test event two levels under <c>Compliance.Topics.Orders</c>.</summary>
[Event(Name = "Compliance.Topics.Orders.Returns.Opened")]
internal sealed partial record TopicReturnOpened([property: IdempotencyKey] Guid Id);

/// <summary>A topic-test event outside <c>Compliance.Topics.Orders</c>.</summary>
[Event(Name = "Compliance.Topics.Stock.Counted")]
internal sealed partial record TopicStockCounted([property: IdempotencyKey] Guid Id);
