using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
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
        OrderStore store = services.GetRequiredService<OrderStore>();
        var stopwatch = Stopwatch.StartNew();

        (string Customer, OrderLine[] Lines)[] orders =
        [
            ("ada@example.com", [new OrderLine("book-42", 2, 12.50m)]),
            ("grace@example.com", [new OrderLine("mug-7", 1, 8.00m), new OrderLine("tea-1", 3, 4.20m)]),
            ("linus@example.com", [new OrderLine("kbd-101", 1, 89.90m)]),
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

        // PlaceOrder publishes OrderPlaced (two subscribers note it) and sends ChargeCard. Ada's card is charged at
        // once, Grace's after two gateway timeouts (an immediate retry, then a delayed one), Linus's is declined.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var views = new List<OrderView>();
        FailedMessage letter;
        try
        {
            for (int i = 0; i < ids.Count; i++)
            {
                bool declined = i == 2;
                views.Add(await WaitForOrderAsync(bus, ids[i], notes: declined ? 2 : 3, timeout.Token));
            }

            letter = await WaitForDeadLetterAsync(deadLetters, ids[2], timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            output.WriteLine();
            output.WriteLine($"Summary: after 20 s, {views.Count} of {ids.Count} orders had everything done to them" +
                             $"{(views.Count == ids.Count ? ", but the declined payment was not in " + deadLetters.Name : "")}. FAILED");
            return 1;
        }

        output.WriteLine();
        foreach (OrderView view in views)
        {
            output.WriteLine($"  query    GetOrder {Short(view.OrderId)} -> {view.Customer}, total {view.Total:0.00}, {view.Status}");
            foreach (string note in view.Notes)
            {
                output.WriteLine($"             {(note.StartsWith("paid", StringComparison.Ordinal) ? "command ChargeCard " : "event OrderPlaced   ")}: {note}");
            }
        }

        output.WriteLine();
        output.WriteLine("  retry    Grace's ChargeCard: the gateway timed out on attempts 1 and 2 (an immediate retry, then a");
        output.WriteLine("           delayed retry after ~200 ms with jitter); attempt 3 succeeded. The handler saw context.Attempt.");
        output.WriteLine($"  dead     {letter.Where}: {Name(letter.ContractName)} {Short(letter.OrderId)} on {Name(letter.Endpoint)}, {letter.Attempts} attempt{(letter.Attempts == 1 ? "" : "s")}, {letter.Reason}");
        output.WriteLine($"           {Name(letter.ExceptionType)}: {letter.ExceptionMessage}");
        output.WriteLine($"           (PaymentDeclinedException is never retried; {deadLetters.Hint})");

        OrderView? missing = await bus.QueryAsync(new GetOrder(Guid.CreateVersion7()));
        output.WriteLine();
        output.WriteLine($"  query    GetOrder for an unknown id -> {(missing is null ? "no order" : "unexpected order")}");

        decimal revenue = 0;
        int paid = 0;
        foreach (OrderView view in views)
        {
            if (view.Status == OrderStatus.Paid)
            {
                revenue += view.Total;
                paid++;
            }
        }

        bool graceRetried = false;
        foreach (string note in views[1].Notes)
        {
            graceRetried |= note == "paid 20.60 on attempt 3";
        }

        bool ok = views.Count == orders.Length && paid == 2 && graceRetried && missing is null &&
                  letter is { Attempts: 1, Reason: nameof(DeadLetterReason.Failed) } && letter.ExceptionType == typeof(PaymentDeclinedException).FullName &&
                  letter.Endpoint == TransportEndpoint.AddressOf(Contract<ChargeCard>()) && views[2].Status == OrderStatus.Placed;
        output.WriteLine();
        output.WriteLine($"Summary: {views.Count} orders placed (commands), {views.Count * 2} OrderPlaced deliveries to 2 subscribers (events), " +
                         $"{paid} paid (one after 2 retries), 1 declined payment in {deadLetters.Name}, {views.Count + 1} queries answered; " +
                         $"revenue {revenue:0.00}; {stopwatch.ElapsedMilliseconds} ms. {(ok ? "OK" : "FAILED")}");
        return ok ? 0 : 1;
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

    private static async Task<OrderView> WaitForOrderAsync(IMessageBus bus, Guid id, int notes, CancellationToken cancellationToken)
    {
        while (true)
        {
            OrderView? view = await bus.QueryAsync(new GetOrder(id), cancellationToken: cancellationToken);
            if (view is not null && view.Notes.Count >= notes)
            {
                return view;
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    private static async Task<FailedMessage> WaitForDeadLetterAsync(IDeadLetterSource deadLetters, Guid orderId, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await deadLetters.FindAsync(orderId, cancellationToken) is { } letter)
            {
                return letter;
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>The generated descriptor of <typeparamref name="T"/> (wire name, version, formatter).</summary>
    public static ContractDescriptor<T> Contract<T>()
        where T : class, IContract<T> => T.Contract;

    private static string Name(string fullName) => fullName[(fullName.LastIndexOf('.') + 1)..];

    private static string Short(Guid id) => id.ToString("N")[^8..];
}
