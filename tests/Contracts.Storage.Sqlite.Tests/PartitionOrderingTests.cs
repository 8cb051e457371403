using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

[Command] public partial record Entry([property: PartitionKey] int Account, int Seq);

/// <summary>What the entry handler saw, and when it must fail or wait.</summary>
public sealed class EntryLog(int keys)
{
    public readonly int[] Last = new int[keys];
    public readonly ConcurrentQueue<string> Violations = new();
    public readonly SemaphoreSlim Done = new(0);
    public readonly TaskCompletionSource Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public volatile bool Hold;
    public Func<Entry, int, bool>? FailWhen;
    public readonly ConcurrentQueue<(int Seq, int Attempt)> Order = new();
    public int Handled;
    public int Retried;
}

[Idempotent]
public sealed class EntryHandler(EntryLog log) : ICommandHandler<Entry>
{
    public async ValueTask HandleAsync(Entry command, MessageContext context, CancellationToken cancellationToken)
    {
        if (log.Hold)
        {
            await log.Gate.Task.WaitAsync(cancellationToken); // never opened: the stop abandons it
        }

        // About 3% fail their first round (one immediate retry fails too): a delayed retry, held by the stored row's lane.
        bool fail = log.FailWhen is { } failWhen ? failWhen(command, context.Attempt) : (uint)HashCode.Combine(command.Account, command.Seq) % 100 < 3 && context.Attempt <= 2;
        if (fail)
        {
            Interlocked.Increment(ref log.Retried);
            throw new TimeoutException($"entry {command.Account}/{command.Seq} failed on purpose");
        }

        if (log.Last[command.Account] != command.Seq - 1)
        {
            log.Violations.Enqueue($"account {command.Account}: {command.Seq} after {log.Last[command.Account]}");
        }

        log.Last[command.Account] = command.Seq;
        log.Order.Enqueue((command.Seq, context.Attempt));
        Interlocked.Increment(ref log.Handled);
        log.Done.Release();
    }
}

/// <summary>Order per partition key on a durable (SQLite) in-memory endpoint: live, and for rows taken over after a stop.</summary>
public sealed class PartitionOrderingTests
{
    private static readonly Action<InMemoryTransportOptions> s_ordered = t => t.Endpoint<Entry>(e =>
    {
        e.MaxConcurrency = 4;
        e.Retry.ImmediateRetries = 1;
        e.Retry.DelayedRetries = 2;
        e.Retry.Delay = TimeSpan.FromMilliseconds(20);
    });

    [Fact]
    public async Task Durable_messages_of_one_key_are_handled_in_send_order_through_delayed_retries()
    {
        using var database = new TempDatabase();
        const int keys = 20, total = 1000;
        var log = new EntryLog(keys);
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(log), s_ordered);

        int[] seq = new int[keys];
        var random = new Random(18);
        for (int i = 0; i < total; i++)
        {
            int key = random.Next(keys);
            await host.Bus.SendAsync(new Entry(key, ++seq[key]));
        }

        await Wait.For(log.Done, total);
        Assert.Empty(log.Violations);
        Assert.Equal(seq, log.Last);
        Assert.True(log.Retried > 0);
        Assert.Empty(await host.DeadLetters.ListAsync());
        await host.StopAsync();
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
    }

    [Fact]
    public async Task Rows_left_in_the_store_at_a_stop_are_taken_over_in_send_order_per_key()
    {
        using var database = new TempDatabase();
        const int keys = 8, total = 400;
        int[] seq = new int[keys];
        var stuck = new EntryLog(keys) { Hold = true };
        await using (SqliteBus first = await SqliteBus.StartAsync(database, s => s.AddSingleton(stuck), s_ordered, options: o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)))
        {
            for (int i = 0; i < total; i++)
            {
                int key = i % 3 == 0 ? 0 : i % keys;
                await first.Bus.SendAsync(new Entry(key, ++seq[key]));
            }
        }

        // The first bus handled nothing: every row is still in the store, each first row of a lane abandoned mid-handling.
        Assert.Equal(0, stuck.Handled);
        Assert.Equal(total, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));

        var log = new EntryLog(keys);
        await using SqliteBus second = await SqliteBus.StartAsync(database, s => s.AddSingleton(log), s_ordered);
        await Wait.For(log.Done, total);

        Assert.Empty(log.Violations);
        Assert.Equal(seq, log.Last);
        Assert.Empty(await second.DeadLetters.ListAsync());
    }

    [Fact]
    public async Task A_stored_delayed_retry_taken_over_after_a_stop_still_comes_before_the_later_messages_of_its_key()
    {
        using var database = new TempDatabase();
        Action<InMemoryTransportOptions> transport = t => t.Endpoint<Entry>(e =>
        {
            e.MaxConcurrency = 2;
            e.Retry.DelayedRetries = 1;
            e.Retry.Delay = TimeSpan.FromSeconds(1);
            e.Retry.Jitter = 0;
        });

        // The first bus: entry 1 fails and waits for its delayed retry, holding entry 2; the bus stops before it is due.
        var failing = new EntryLog(keys: 1) { FailWhen = static (entry, _) => entry.Seq == 1 };
        await using (SqliteBus first = await SqliteBus.StartAsync(database, s => s.AddSingleton(failing), transport, options: o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(100)))
        {
            await first.Bus.SendAsync(new Entry(0, 1));
            await first.Bus.SendAsync(new Entry(0, 2));
            await Wait.Until(() => Volatile.Read(ref failing.Retried) == 1, "entry 1 failed once");
        }

        Assert.Equal(0, failing.Handled);
        Assert.Equal(2, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM contracts_queue WHERE attempt = 2 AND due_at IS NOT NULL"));

        // The second bus takes both rows over in send order: entry 2 is due now, but waits behind the retry of entry 1.
        var log = new EntryLog(keys: 1) { FailWhen = static (_, _) => false };
        await using SqliteBus second = await SqliteBus.StartAsync(database, s => s.AddSingleton(log), transport);
        await Wait.For(log.Done, 2);

        Assert.Equal([(1, 2), (2, 1)], log.Order);
        Assert.Empty(log.Violations);
    }
}
