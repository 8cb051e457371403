using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Microsoft.Extensions.DependencyInjection;
using Shop.Contracts;
using Shop.Handlers;

namespace Shop;

/// <summary>
/// <c>--rebuild</c>: empties the order summaries and replays the whole event log into them (from its first position),
/// then checks that the rebuilt read model is the one it replaced, and that each summary agrees with its order's stream.
/// </summary>
internal static class ShopRebuild
{
    private const int Shown = 8;

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> description, OrderSummaryTable summaries, TextWriter output)
    {
        IProjections projections = services.GetRequiredService<IProjections>();
        IEventStore events = services.GetRequiredService<IEventStore>();
        OrderBook orders = services.GetRequiredService<OrderBook>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (string line in description)
        {
            output.WriteLine(line);
        }

        // The read model as the daemon left it, caught up with the log first (an earlier run may have stopped behind it).
        long head = await events.ReadHeadPositionAsync(timeout.Token);
        await projections.WaitForAsync(OrderSummaries.ProjectionName, head, timeout.Token);
        List<OrderView> before = await summaries.ReadAllAsync(timeout.Token);

        var stopwatch = Stopwatch.StartNew();
        long rebuiltTo = await projections.RebuildAsync(OrderSummaries.ProjectionName, timeout.Token);
        long elapsed = stopwatch.ElapsedMilliseconds;
        List<OrderView> after = await summaries.ReadAllAsync(timeout.Token);

        output.WriteLine();
        output.WriteLine($"  rebuild  {OrderSummaries.ProjectionName}: reset, then events 1..{rebuiltTo} of the log replayed in {elapsed} ms -> {after.Count} order summaries");
        int[] byStatus = new int[(int)OrderStatus.Cancelled + 1];
        for (int i = 0; i < after.Count; i++)
        {
            OrderView view = after[i];
            byStatus[(int)view.Status]++;
            if (i >= after.Count - Shown)
            {
                output.WriteLine($"           {ShopFlow.Short(view.OrderId)} {view.Customer}, total {view.Total:0.00}, {view.Status}, {view.Notes.Count} notes");
            }
        }

        if (after.Count > Shown)
        {
            output.WriteLine($"           (the {Shown} newest of {after.Count})");
        }

        string? difference = Compare(before, after);
        output.WriteLine(difference is null
            ? $"  compare  the {after.Count} rebuilt summaries equal the {before.Count} before the rebuild, notes and their order included"
            : $"  compare  {difference}");

        // The read model is what the streams say: every summary against its order, loaded from its stream.
        string? disagreement = null;
        foreach (OrderView view in after)
        {
            Order order = await orders.LoadAsync(view.OrderId, timeout.Token);
            if (!order.State.Placed || order.State.Customer != view.Customer || order.State.Total != view.Total || order.State.Status != view.Status)
            {
                disagreement ??= $"summary {ShopFlow.Short(view.OrderId)} says {view.Customer}, {view.Total:0.00}, {view.Status}; its stream (version {order.Version}) says " +
                                 $"{order.State.Customer}, {order.State.Total:0.00}, {order.State.Status}";
            }
        }

        output.WriteLine(disagreement is null
            ? $"  streams  each summary agrees with its order's stream (customer, total, status)"
            : $"  streams  {disagreement}");

        bool ok = difference is null && disagreement is null;
        output.WriteLine();
        output.WriteLine($"Summary: rebuilt {after.Count} order summaries ({byStatus[(int)OrderStatus.Shipped]} shipped, {byStatus[(int)OrderStatus.Cancelled]} cancelled, " +
                         $"{byStatus[(int)OrderStatus.Placed] + byStatus[(int)OrderStatus.Paid]} open) from {rebuiltTo} events. {(ok ? "OK" : "FAILED")}");
        return ok ? 0 : 1;
    }

    /// <summary>The first difference between two lists of summaries, or <see langword="null"/>.</summary>
    private static string? Compare(List<OrderView> before, List<OrderView> after)
    {
        if (before.Count != after.Count)
        {
            return $"{before.Count} summaries before the rebuild, {after.Count} after";
        }

        for (int i = 0; i < before.Count; i++)
        {
            OrderView was = before[i], now = after[i];
            bool same = was.OrderId == now.OrderId && was.Customer == now.Customer && was.Total == now.Total && was.Status == now.Status
                        && was.Notes.Count == now.Notes.Count;
            for (int n = 0; same && n < was.Notes.Count; n++)
            {
                same = was.Notes[n] == now.Notes[n];
            }

            if (!same)
            {
                return $"order {ShopFlow.Short(was.OrderId)} differs: before {Describe(was)}; after {Describe(now)}";
            }
        }

        return null;
    }

    private static string Describe(OrderView view) => $"{view.Customer}, {view.Total:0.00}, {view.Status}, notes [{string.Join("; ", view.Notes)}]";
}
