using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Shop.Contracts;

namespace Shop.Handlers;

/// <summary>The shop's read model: orders and what happened to them, kept in memory for the sample.</summary>
public sealed class OrderStore
{
    private readonly ConcurrentDictionary<Guid, OrderView> _orders = new();
    private readonly ConcurrentQueue<string> _journal = new();

    /// <summary>Records a placed order.</summary>
    public void Add(OrderView order) => _orders[order.OrderId] = order;

    /// <summary>Adds a note to an order.</summary>
    public void Note(Guid orderId, string note)
    {
        _orders.AddOrUpdate(orderId, _ => throw new InvalidOperationException($"Order {orderId} is unknown."), (_, order) => order with { Notes = [.. order.Notes, note] });
        _journal.Enqueue(note);
    }

    /// <summary>
    /// Moves an order to <paramref name="status"/> with <paramref name="note"/>; a second call with the same note (a saga
    /// step that ran again) changes nothing.
    /// </summary>
    public void Advance(Guid orderId, OrderStatus status, string note)
    {
        _orders.AddOrUpdate(orderId, _ => throw new InvalidOperationException($"Order {orderId} is unknown."),
            (_, order) => order.Notes.Contains(note) ? order : order with { Status = status, Notes = [.. order.Notes, note] });
        _journal.Enqueue(note);
    }

    /// <summary>Marks an order paid.</summary>
    public void MarkPaid(Guid orderId, string note)
    {
        _orders.AddOrUpdate(orderId, _ => throw new InvalidOperationException($"Order {orderId} is unknown."), (_, order) => order with { Status = OrderStatus.Paid, Notes = [.. order.Notes, note] });
        _journal.Enqueue(note);
    }

    /// <summary>Finds an order.</summary>
    public OrderView? Find(Guid orderId) => _orders.TryGetValue(orderId, out OrderView? order) ? order : null;

    /// <summary>Every note in the order it was made.</summary>
    public IReadOnlyCollection<string> Journal => _journal;
}
