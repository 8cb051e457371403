using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Runtime.Tests.Sagas;

public sealed record OrderState
{
    public Guid OrderId { get; init; }

    public string Card { get; init; } = "";

    public bool Charged { get; init; }

    public bool ShipmentConfirms { get; init; }

    public int Steps { get; init; }
}

/// <summary>reserve stock -> charge card -> ship; a declined card or a shipment that does not confirm in time compensates.</summary>
[Saga(Name = "SagaTests.Order")]
public sealed partial class OrderSaga(Ledger ledger) : Saga<OrderState>,
    IStartedBy<PlaceOrder>,
    IHandles<StockReserved>,
    IHandles<CardCharged>,
    IHandles<CardDeclined>,
    IHandles<ShipmentConfirmed>,
    IHandles<ShipmentOverdue>
{
    public static readonly TimeSpan ShipmentTimeout = TimeSpan.FromMilliseconds(300);

    public ValueTask HandleAsync(PlaceOrder message, SagaContext context, CancellationToken cancellationToken)
    {
        State = new OrderState { OrderId = message.OrderId, Card = message.Card, ShipmentConfirms = message.ShipmentConfirms, Steps = 1 };
        context.Send(new ReserveStock(message.OrderId), compensateWith: new ReleaseStock(message.OrderId));
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(StockReserved message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Steps = State.Steps + 1 };
        context.SendWithoutCompensation(new ChargeCard(message.OrderId, State.Card));
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(CardCharged message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Charged = true, Steps = State.Steps + 1 };
        context.RecordCompensation(new RefundCard(message.OrderId));
        context.Send(new ShipOrder(message.OrderId, State.ShipmentConfirms), compensateWith: new CancelShipment(message.OrderId));
        context.RequestTimeout(new ShipmentOverdue(message.OrderId), ShipmentTimeout);
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(CardDeclined message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Steps = State.Steps + 1 };
        context.Compensate($"card declined: {message.Reason}");
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(ShipmentConfirmed message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Steps = State.Steps + 1 };
        context.Complete();
        ledger.Add(message.OrderId, "completed");
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(ShipmentOverdue message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Steps = State.Steps + 1 };
        context.Compensate("the shipment was not confirmed in time");
        ledger.Add(message.OrderId, "overdue");
        return ValueTask.CompletedTask;
    }
}
