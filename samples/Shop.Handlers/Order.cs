using System;
using System.Collections.Generic;
using Contracts;
using Shop.Contracts;

namespace Shop.Handlers;

/// <summary>What replaying an order's stream gives: enough to decide the next step, and to refuse one twice.</summary>
public sealed record OrderState
{
    /// <summary>Whether the order was placed (its stream's first event).</summary>
    public bool Placed { get; init; }

    /// <summary>Who ordered.</summary>
    public string Customer { get; init; } = "";

    /// <summary>What the order costs.</summary>
    public decimal Total { get; init; }

    /// <summary>Where it stands.</summary>
    public OrderStatus Status { get; init; }

    /// <summary>The steps recorded so far (a note recorded again, by a redelivered message, is not raised twice).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// An order, event-sourced: its stream <c>order-{id}</c> holds what happened to it, recorded through
/// <see cref="OrderBook"/>; the read model <see cref="OrderSummaries"/> is projected from these events. Every method
/// is idempotent (the messages that call it are delivered at least once) and none needs the order placed first: the
/// steps of an order run on several endpoints at once, so a note may be recorded before the placement is.
/// </summary>
[Aggregate(Name = "order")]
public sealed partial class Order : Aggregate<OrderState>
{
    /// <summary>Places the order (again: nothing).</summary>
    public void Place(Guid orderId, string customer, decimal total, DateTimeOffset placedAt)
    {
        if (!State.Placed)
        {
            Raise(new OrderPlaced(orderId, customer, total, placedAt));
        }
    }

    /// <summary>Records a step of the order, once.</summary>
    public void Note(Guid orderId, string note)
    {
        foreach (string noted in State.Notes)
        {
            if (noted == note)
            {
                return;
            }
        }

        Raise(new OrderNoted(orderId, note));
    }

    /// <summary>Marks the order paid (paid, shipped or cancelled already: nothing).</summary>
    public void Pay(Guid orderId, decimal amount, int attempt)
    {
        if (State.Status == OrderStatus.Placed)
        {
            Raise(new OrderPaid(orderId, amount, attempt));
        }
    }

    /// <summary>Marks the order shipped (shipped already: nothing).</summary>
    /// <exception cref="InvalidOperationException">The order is cancelled.</exception>
    public void Ship(Guid orderId)
    {
        if (State.Status == OrderStatus.Cancelled)
        {
            throw new InvalidOperationException($"Order {orderId} is cancelled: it cannot be shipped.");
        }

        if (State.Status != OrderStatus.Shipped)
        {
            Raise(new OrderShipped(orderId));
        }
    }

    /// <summary>Cancels the order (cancelled already: nothing).</summary>
    /// <exception cref="InvalidOperationException">The order is shipped.</exception>
    public void Cancel(Guid orderId, string reason)
    {
        if (State.Status == OrderStatus.Shipped)
        {
            throw new InvalidOperationException($"Order {orderId} is shipped: it cannot be cancelled ({reason}).");
        }

        if (State.Status != OrderStatus.Cancelled)
        {
            Raise(new OrderCancelled(orderId, reason));
        }
    }

    private void Apply(OrderPlaced e) => State = State with { Placed = true, Customer = e.Customer, Total = e.Total };

    private void Apply(OrderNoted e) => State = State with { Notes = [.. State.Notes, e.Note] };

    private void Apply(OrderPaid e) => State = State with { Status = OrderStatus.Paid };

    private void Apply(OrderShipped e) => State = State with { Status = OrderStatus.Shipped };

    private void Apply(OrderCancelled e) => State = State with { Status = OrderStatus.Cancelled };
}
