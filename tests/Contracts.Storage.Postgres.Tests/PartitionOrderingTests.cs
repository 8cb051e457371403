using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Postgres.Tests;

[Command] public partial record Entry(int Producer, [property: PartitionKey] int Account, int Seq);

/// <summary>What the entry handler saw, per producer and key, and when it must wait.</summary>
public sealed class EntryLog(int producers, int keys)
{
    public readonly int[,] Last = new int[producers, keys];
    public readonly ConcurrentQueue<string> Violations = new();
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
        if ((uint)HashCode.Combine(command.Producer, command.Account, command.Seq) % 100 < 3 && context.Attempt <= 2)
        {
            Interlocked.Increment(ref log.Retried);
            throw new TimeoutException($"entry {command.Account}/{command.Seq} failed on purpose");
        }

        lock (log.Last)
        {
            if (log.Last[command.Producer, command.Account] != command.Seq - 1)
            {
                log.Violations.Enqueue($"producer {command.Producer}, account {command.Account}: {command.Seq} after {log.Last[command.Producer, command.Account]}");
            }

            log.Last[command.Producer, command.Account] = command.Seq;
        }

        Interlocked.Increment(ref log.Handled);
    }
}

/// <summary>
/// Order per partition key on durable (PostgreSQL) in-memory endpoints: live through delayed retries, for rows taken
/// over after a stop, and with several buses on one database (each bus handles what it sent, in send order per key).
/// </summary>
public sealed class PartitionOrderingTests : IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema("order");

    private static readonly Action<InMemoryTransportOptions> s_ordered = t => t.Endpoint<Entry>(e =>
    {
        e.MaxConcurrency = 4;
        e.Capacity = 10_000;
        e.Retry.ImmediateRetries = 1;
        e.Retry.DelayedRetries = 2;
        e.Retry.Delay = TimeSpan.FromMilliseconds(20);
    });

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await PostgresServer.DropSchemaAsync(_schema);

    private static Task UntilHandled(EntryLog log, int total) =>
        Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref log.Handled) >= total), $"{total} entries were handled", TimeSpan.FromSeconds(60));

    private static int[] SendOrder(int total, int keys, int seed)
    {
        var random = new Random(seed);
        int[] order = new int[total];
        for (int i = 0; i < total; i++)
        {
            order[i] = random.Next(keys);
        }

        return order;
    }

    [Fact]
    public async Task Durable_messages_of_one_key_are_handled_in_send_order_through_delayed_retries()
    {
        const int keys = 20, total = 1000;
        var log = new EntryLog(1, keys);
        await using PostgresBus host = await PostgresBus.StartAsync(_schema, s => s.AddSingleton(log), s_ordered);

        int[] seq = new int[keys];
        foreach (int key in SendOrder(total, keys, 18))
        {
            await host.Bus.SendAsync(new Entry(0, key, ++seq[key]));
        }

        await UntilHandled(log, total);
        Assert.Empty(log.Violations);
        Assert.Equal(seq, Enumerable.Range(0, keys).Select(k => log.Last[0, k]));
        Assert.True(log.Retried > 0);
        await host.StopAsync();
        Assert.Equal(0, await PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".queue"));
        Assert.Equal(0, await PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".dead_letters"));
    }

    [Fact]
    public async Task Rows_left_in_the_store_at_a_stop_are_taken_over_in_send_order_per_key()
    {
        const int keys = 8, total = 400;
        int[] seq = new int[keys];
        var stuck = new EntryLog(1, keys) { Hold = true };
        await using (PostgresBus first = await PostgresBus.StartAsync(_schema, s => s.AddSingleton(stuck), s_ordered, o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)))
        {
            for (int i = 0; i < total; i++)
            {
                int key = i % 3 == 0 ? 0 : i % keys;
                await first.Bus.SendAsync(new Entry(0, key, ++seq[key]));
            }
        }

        Assert.Equal(0, stuck.Handled);
        Assert.Equal(total, await PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".queue"));

        var log = new EntryLog(1, keys);
        await using PostgresBus second = await PostgresBus.StartAsync(_schema, s => s.AddSingleton(log), s_ordered);
        await UntilHandled(log, total);
        Assert.Empty(log.Violations);
        Assert.Equal(seq, Enumerable.Range(0, keys).Select(k => log.Last[0, k]));
    }

    [Fact]
    public async Task Two_buses_on_one_database_each_handle_what_they_sent_in_send_order_per_key_and_lose_nothing()
    {
        const int producers = 2, keys = 50, perProducer = 1500;
        var log = new EntryLog(producers, keys);
        await using PostgresBus first = await PostgresBus.StartAsync(_schema, s => s.AddSingleton(log), s_ordered);
        await using PostgresBus second = await PostgresBus.StartAsync(_schema, s => s.AddSingleton(log), s_ordered);

        int[,] seq = new int[producers, keys];
        async Task ProduceAsync(int producer, PostgresBus bus)
        {
            foreach (int key in SendOrder(perProducer, keys, 100 * producer))
            {
                await bus.Bus.SendAsync(new Entry(producer, key, ++seq[producer, key]));
            }
        }

        await Task.WhenAll(Task.Run(() => ProduceAsync(0, first)), Task.Run(() => ProduceAsync(1, second)));
        await UntilHandled(log, producers * perProducer);

        Assert.Empty(log.Violations);
        Assert.Equal(producers * perProducer, Volatile.Read(ref log.Handled));
        for (int p = 0; p < producers; p++)
        {
            for (int k = 0; k < keys; k++)
            {
                Assert.Equal(seq[p, k], log.Last[p, k]);
            }
        }

        Assert.True(log.Retried > 0);
        Assert.Equal(0, await PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".dead_letters"));
    }
}
