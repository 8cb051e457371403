using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Contracts.Projections;
using Contracts.Storage;
using Contracts.Transport;
using Microsoft.Extensions.DependencyInjection;
using Shop.Contracts;
using Shop.Handlers;

namespace Shop;

/// <summary>
/// Places a few orders, lets the events fan out and the payments go through (one after retries, one into dead
/// letters), reads the orders back and prints what happened.
/// </summary>
internal static class ShopFlow
{
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> description, IDeadLetterSource deadLetters, TextWriter output)
    {
        IMessageBus bus = services.GetRequiredService<IMessageBus>();
        IProjections projections = services.GetRequiredService<IProjections>();
        var stopwatch = Stopwatch.StartNew();

        (string Customer, OrderLine[] Lines)[] orders =
        [
            ("ada@example.com", [new OrderLine("book-42", 2, 12.50m)]),
            ("grace@example.com", [new OrderLine("mug-7", 1, 8.00m), new OrderLine("tea-1", 3, 4.20m)]),
            ("linus@example.com", [new OrderLine("kbd-101", 1, 89.90m)]),
            ("margaret@example.com", [new OrderLine("lamp-3", 1, 35.00m)]),
        ];

        foreach (string line in description)
        {
            output.WriteLine(line);
        }

        if (await deadLetters.RemoveEarlierAsync(CancellationToken.None) is { } removed)
        {
            output.WriteLine(removed);
        }

        output.WriteLine();
        var ids = new List<Guid>();
        foreach ((string customer, OrderLine[] lines) in orders)
        {
            var id = Guid.CreateVersion7();
            ids.Add(id);
            await bus.SendAsync(new PlaceOrder(id, customer, lines)); // returns once committed to the database (or confirmed by the broker)
            output.WriteLine($"  send     PlaceOrder {Short(id)} for {customer} ({lines.Length} line{(lines.Length == 1 ? "" : "s")})");
        }

        // Each PlaceOrder starts an order saga: reserve stock -> charge card -> ship. Ada's order ships; Grace's card is
        // charged after two gateway timeouts (an immediate retry, then a delayed one); Linus's card is declined, so the
        // saga releases the stock and cancels the order; Margaret's carrier never confirms, so the shipment timeout
        // compensates (the shipment called back, the card refunded, the stock released).
        OrderStatus[] expected = [OrderStatus.Shipped, OrderStatus.Shipped, OrderStatus.Cancelled, OrderStatus.Cancelled];
        int[] compensations = [0, 0, 1, 3];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var views = new List<OrderView>();
        try
        {
            for (int i = 0; i < ids.Count; i++)
            {
                views.Add(await WaitForOrderAsync(bus, projections, ids[i], expected[i], compensations[i], timeout.Token));
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            output.WriteLine();
            output.WriteLine($"Summary: after 20 s, {views.Count} of {ids.Count} orders had ended as expected. FAILED");
            return 1;
        }

        ISagas sagas = services.GetRequiredService<ISagas>();
        var instances = new List<SagaInstance<OrderProgress>>();
        output.WriteLine();
        foreach (OrderView view in views)
        {
            SagaInstance<OrderProgress>? saga = await sagas.FindAsync<OrderSaga, OrderProgress>(view.OrderId);
            if (saga is not null)
            {
                instances.Add(saga);
            }

            output.WriteLine($"  query    GetOrder {Short(view.OrderId)} -> {view.Customer}, total {view.Total:0.00}, {view.Status}; saga {saga?.Status} after {saga?.Version} steps");
            foreach (string note in view.Notes)
            {
                output.WriteLine($"             {note}");
            }
        }

        output.WriteLine();
        output.WriteLine("  retry    Grace's ChargeCard: the gateway timed out on attempts 1 and 2 (an immediate retry, then a");
        output.WriteLine("           delayed retry after ~200 ms with jitter); attempt 3 succeeded. The handler saw context.Attempt.");
        output.WriteLine($"  saga     Margaret's order: {HistoryOf(instances, ids[3])}");

        OrderView? missing = await bus.QueryAsync(new GetOrder(Guid.CreateVersion7()));
        output.WriteLine();
        output.WriteLine($"  query    GetOrder for an unknown id -> {(missing is null ? "no order" : "unexpected order")}");

        decimal revenue = 0;
        int shipped = 0;
        foreach (OrderView view in views)
        {
            if (view.Status == OrderStatus.Shipped)
            {
                revenue += view.Total;
                shipped++;
            }
        }

        bool graceRetried = views[1].Notes.Contains("paid 20.60 on attempt 3");
        bool sagasRight = instances.Count == ids.Count
                          && instances[0].Status == SagaStatus.Completed && instances[1].Status == SagaStatus.Completed
                          && instances[2].Status == SagaStatus.Compensated && instances[3].Status == SagaStatus.Compensated;
        FailedMessage? letter = null;
        foreach (Guid id in ids)
        {
            letter ??= await deadLetters.FindAsync(id, CancellationToken.None);
        }

        bool ok = views.Count == orders.Length && shipped == 2 && graceRetried && sagasRight && missing is null && letter is null;
        output.WriteLine();
        output.WriteLine($"Summary: {views.Count} orders placed, each an order saga (commands, events, a timeout); {shipped} shipped (one paid after 2 retries), " +
                         $"1 card declined and 1 shipment overdue, both compensated; {(letter is null ? "no" : "a")} message in {deadLetters.Name}; {views.Count + 1} queries answered; " +
                         $"revenue {revenue:0.00}; {stopwatch.ElapsedMilliseconds} ms. {(ok ? "OK" : "FAILED")}");
        return ok ? 0 : 1;
    }

    /// <summary>The compensations a saga sent, newest first, as its history has them.</summary>
    private static string HistoryOf(List<SagaInstance<OrderProgress>> instances, Guid id)
    {
        string key = id.ToString("N");
        var sent = new List<string>();
        foreach (SagaInstance<OrderProgress> instance in instances)
        {
            if (instance.SagaId != key)
            {
                continue;
            }

            foreach (SagaHistoryEntry entry in instance.History)
            {
                if (entry.Note.StartsWith("compensation ", StringComparison.Ordinal) && entry.Note.EndsWith(" sent", StringComparison.Ordinal))
                {
                    sent.Add(Name(entry.Note["compensation ".Length..^" sent".Length]));
                }
            }
        }

        return $"the timeout compensated with {string.Join(", then ", sent)}";
    }

    /// <summary>The sample's own folder (where Shop.csproj is) when run from the repository, else the folder of the executable.</summary>
    public static string SampleFolder()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Shop.csproj")))
            {
                return folder.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }

    /// <summary>
    /// Waits until GetOrder answers that the order ended as expected. The summary GetOrder reads changes only when the
    /// projection projects another event, so between two reads this waits for its checkpoint to move past the one read
    /// first (a read model briefly behind the log is waited for, not slept over).
    /// </summary>
    private static async Task<OrderView> WaitForOrderAsync(
        IMessageBus bus, IProjections projections, Guid id, OrderStatus status, int compensations, CancellationToken cancellationToken)
    {
        while (true)
        {
            ProjectionStatus projected = await projections.GetStatusAsync(OrderSummaries.ProjectionName, cancellationToken);
            OrderView? view = await bus.QueryAsync(new GetOrder(id), cancellationToken: cancellationToken);
            if (view is not null && view.Customer.Length > 0 && view.Status == status && view.Notes.Count(n => n.StartsWith("compensation:", StringComparison.Ordinal)) == compensations)
            {
                return view;
            }

            await projections.WaitForAsync(OrderSummaries.ProjectionName, projected.Checkpoint + 1, cancellationToken);
        }
    }

    /// <summary>The generated descriptor of <typeparamref name="T"/> (wire name, version, formatter).</summary>
    public static ContractDescriptor<T> Contract<T>()
        where T : class, IContract<T> => T.Contract;

    private static string Name(string fullName) => fullName[(fullName.LastIndexOf('.') + 1)..];

    internal static string Short(Guid id) => id.ToString("N")[^8..];
}
