using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Runtime.Tests.Sagas;

[Command(Name = "SagaTests.PlaceOrder")] public partial record PlaceOrder([property: SagaId] Guid OrderId, string Card, bool ShipmentConfirms);
[Command(Name = "SagaTests.ReserveStock")] public partial record ReserveStock([property: IdempotencyKey] Guid OrderId);
[Command(Name = "SagaTests.ReleaseStock")] public partial record ReleaseStock([property: IdempotencyKey] Guid OrderId);
[Command(Name = "SagaTests.ChargeCard")] public partial record ChargeCard([property: IdempotencyKey] Guid OrderId, string Card);
[Command(Name = "SagaTests.RefundCard")] public partial record RefundCard([property: IdempotencyKey] Guid OrderId);
[Command(Name = "SagaTests.ShipOrder")] public partial record ShipOrder([property: IdempotencyKey] Guid OrderId, bool Confirms);
[Command(Name = "SagaTests.CancelShipment")] public partial record CancelShipment([property: IdempotencyKey] Guid OrderId);
[Command(Name = "SagaTests.ShipmentOverdue")] public partial record ShipmentOverdue([property: SagaId] Guid OrderId);
[Event(Name = "SagaTests.StockReserved")] public partial record StockReserved([property: SagaId] Guid OrderId);
[Event(Name = "SagaTests.CardCharged")] public partial record CardCharged([property: SagaId] Guid OrderId);
[Event(Name = "SagaTests.CardDeclined")] public partial record CardDeclined([property: SagaId] Guid OrderId, string Reason);
[Event(Name = "SagaTests.ShipmentConfirmed")] public partial record ShipmentConfirmed([property: SagaId] Guid OrderId);

/// <summary>What the participants did, in order, per order: the tests read it.</summary>
public sealed class Ledger
{
    private readonly ConcurrentDictionary<Guid, ConcurrentQueue<string>> _done = new();
    private readonly SemaphoreSlim _changed = new(0);

    public void Add(Guid order, string what)
    {
        _done.GetOrAdd(order, static _ => new ConcurrentQueue<string>()).Enqueue(what);
        _changed.Release();
    }

    public IReadOnlyList<string> Of(Guid order) => _done.TryGetValue(order, out ConcurrentQueue<string>? q) ? [.. q] : [];

    /// <summary>Waits until <paramref name="what"/> has happened for <paramref name="order"/>.</summary>
    public async Task WaitFor(Guid order, string what)
    {
        DateTime until = DateTime.UtcNow + TestBus.Timeout;
        while (!((IList<string>)[.. Of(order)]).Contains(what))
        {
            Assert.True(DateTime.UtcNow < until, $"'{what}' did not happen for {order}: {string.Join(", ", Of(order))}");
            await _changed.WaitAsync(TimeSpan.FromMilliseconds(50));
        }
    }
}

/// <summary>The services the saga talks to: each records what it did and answers with an event.</summary>
public sealed class Stock(Ledger ledger) : ICommandHandler<ReserveStock>, ICommandHandler<ReleaseStock>
{
    public ValueTask HandleAsync(ReserveStock command, MessageContext context, CancellationToken cancellationToken)
    {
        ledger.Add(command.OrderId, "reserved");
        return context.PublishAsync(new StockReserved(command.OrderId), cancellationToken);
    }

    public ValueTask HandleAsync(ReleaseStock command, MessageContext context, CancellationToken cancellationToken)
    {
        ledger.Add(command.OrderId, "released");
        return ValueTask.CompletedTask;
    }
}

public sealed class Payments(Ledger ledger) : ICommandHandler<ChargeCard>, ICommandHandler<RefundCard>
{
    public ValueTask HandleAsync(ChargeCard command, MessageContext context, CancellationToken cancellationToken)
    {
        if (command.Card == "declined")
        {
            ledger.Add(command.OrderId, "declined");
            return context.PublishAsync(new CardDeclined(command.OrderId, "insufficient funds"), cancellationToken);
        }

        ledger.Add(command.OrderId, "charged");
        return context.PublishAsync(new CardCharged(command.OrderId), cancellationToken);
    }

    public ValueTask HandleAsync(RefundCard command, MessageContext context, CancellationToken cancellationToken)
    {
        ledger.Add(command.OrderId, "refunded");
        return ValueTask.CompletedTask;
    }
}

public sealed class Shipping(Ledger ledger) : ICommandHandler<ShipOrder>, ICommandHandler<CancelShipment>
{
    public ValueTask HandleAsync(ShipOrder command, MessageContext context, CancellationToken cancellationToken)
    {
        ledger.Add(command.OrderId, "shipping");
        return command.Confirms ? context.PublishAsync(new ShipmentConfirmed(command.OrderId), cancellationToken) : ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(CancelShipment command, MessageContext context, CancellationToken cancellationToken)
    {
        ledger.Add(command.OrderId, "shipment cancelled");
        return ValueTask.CompletedTask;
    }
}
