using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Shop.Contracts;
using Shop.Handlers;

namespace Shop;

/// <summary>Places a few orders, lets the events fan out, reads the orders back and prints what happened.</summary>
internal static class ShopFlow
{
    public static async Task<int> RunAsync(IServiceProvider services, TextWriter output)
    {
        IMessageBus bus = services.GetRequiredService<IMessageBus>();
        OrderStore store = services.GetRequiredService<OrderStore>();
        var stopwatch = Stopwatch.StartNew();

        (string Customer, OrderLine[] Lines)[] orders =
        [
            ("ada@example.com", [new OrderLine("book-42", 2, 12.50m)]),
            ("grace@example.com", [new OrderLine("mug-7", 1, 8.00m), new OrderLine("tea-1", 3, 4.20m)]),
            ("linus@example.com", [new OrderLine("kbd-101", 1, 89.90m)]),
        ];

        output.WriteLine("Contracts Shop: in-memory transport, every message through its generated formatter");
        output.WriteLine();
        var ids = new List<Guid>();
        foreach ((string customer, OrderLine[] lines) in orders)
        {
            var id = Guid.CreateVersion7();
            ids.Add(id);
            await bus.SendAsync(new PlaceOrder(id, customer, lines));
            output.WriteLine($"  send     PlaceOrder {Short(id)} for {customer} ({lines.Length} line{(lines.Length == 1 ? "" : "s")})");
        }

        // The command handler publishes OrderPlaced; two subscribers each note the order. Wait for both notes.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var views = new List<OrderView>();
        foreach (Guid id in ids)
        {
            OrderView view = await WaitForNotesAsync(bus, id, expected: 2, timeout.Token);
            views.Add(view);
        }

        output.WriteLine();
        foreach (OrderView view in views)
        {
            output.WriteLine($"  query    GetOrder {Short(view.OrderId)} -> {view.Customer}, total {view.Total:0.00}, {view.Status}");
            foreach (string note in view.Notes)
            {
                output.WriteLine($"             event OrderPlaced: {note}");
            }
        }

        OrderView? missing = await bus.QueryAsync(new GetOrder(Guid.CreateVersion7()));
        output.WriteLine();
        output.WriteLine($"  query    GetOrder for an unknown id -> {(missing is null ? "no order" : "unexpected order")}");

        decimal revenue = 0;
        foreach (OrderView view in views)
        {
            revenue += view.Total;
        }

        bool ok = views.Count == orders.Length && missing is null && store.Journal.Count == orders.Length * 2;
        output.WriteLine();
        output.WriteLine($"Summary: {views.Count} orders placed (commands), {store.Journal.Count} OrderPlaced deliveries to 2 subscribers (events), " +
                         $"{views.Count + 1} queries answered; revenue {revenue:0.00}; {stopwatch.ElapsedMilliseconds} ms. {(ok ? "OK" : "FAILED")}");
        return ok ? 0 : 1;
    }

    private static async Task<OrderView> WaitForNotesAsync(IMessageBus bus, Guid id, int expected, CancellationToken cancellationToken)
    {
        while (true)
        {
            OrderView? view = await bus.QueryAsync(new GetOrder(id), cancellationToken: cancellationToken);
            if (view is not null && view.Notes.Count >= expected)
            {
                return view;
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    private static string Short(Guid id) => id.ToString("N")[^8..];
}
