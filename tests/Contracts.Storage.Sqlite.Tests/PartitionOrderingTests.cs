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
        if ((uint)HashCode.Combine(command.Account, command.Seq) % 100 < 3 && context.Attempt <= 2)
        {
            Interlocked.Increment(ref log.Retried);
            throw new TimeoutException($"entry {command.Account}/{command.Seq} failed on purpose");
        }

        if (log.Last[command.Account] != command.Seq - 1)
        {
            log.Violations.Enqueue($"account {command.Account}: {command.Seq} after {log.Last[command.Account]}");
        }

        log.Last[command.Account] = command.Seq;
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
}
