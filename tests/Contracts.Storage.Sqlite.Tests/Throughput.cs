using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Storage.Sqlite.Tests;

[Command] public partial record Measured([property: IdempotencyKey] int N);

public sealed class MeasuredHandler(Throughput.Counter counter) : ICommandHandler<Measured>
{
    public ValueTask HandleAsync(Measured command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Hit();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A quick durable-throughput figure (<c>CONTRACTS_CRASH_CHILD=bench</c>): one producer, one consumer, each message
/// committed before its send returns and deleted after its handler ran; beside raw batched inserts and deletes.
/// A Stopwatch figure, not a benchmark: BenchmarkDotNet gives the real one.
/// </summary>
public static class Throughput
{
    public sealed class Counter
    {
        private int _count;

        public int Target { get; set; }

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Hit()
        {
            if (Interlocked.Increment(ref _count) == Target)
            {
                All.TrySetResult();
            }
        }
    }

    public static async Task<int> RunAsync(string folder)
    {
        const int N = 20_000;
        foreach (SqliteSynchronous synchronous in new[] { SqliteSynchronous.Full, SqliteSynchronous.Normal })
        {
            foreach (int window in new[] { 1, 64 })
            {
                double rate = await MeasureAsync(Path.Combine(folder, $"bench-{synchronous}-{window}.db"), synchronous, window, window == 1 ? N / 4 : N);
                Console.WriteLine($"durable, synchronous={synchronous}, {(window == 1 ? "each send awaited" : $"{window} sends in flight")}: {rate:N0} messages/s");
            }

            Console.WriteLine($"raw SQLite, synchronous={synchronous}, batches of 64 inserts then 64 deletes: {Raw(Path.Combine(folder, $"raw-{synchronous}.db"), synchronous, N):N0} rows/s");
        }

        return 0;
    }

    private static async Task<double> MeasureAsync(string database, SqliteSynchronous synchronous, int window, int n)
    {
        var counter = new Counter { Target = n };
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(counter);
        builder.Services.AddContracts(o => o
            .UseInMemoryTransport(t => t.Endpoint<Measured>(e => e.Capacity = 4096))
            .UseSqlite($"Data Source={database}", s => s.Synchronous = synchronous));
        using IHost host = builder.Build();
        await host.StartAsync();
        IMessageBus bus = host.Services.GetRequiredService<IMessageBus>();
        var stopwatch = Stopwatch.StartNew();
        var inFlight = new Queue<Task>(window);
        for (int i = 0; i < n; i++)
        {
            if (inFlight.Count == window)
            {
                await inFlight.Dequeue();
            }

            inFlight.Enqueue(bus.SendAsync(new Measured(i)).AsTask());
        }

        await Task.WhenAll(inFlight);
        await counter.All.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await host.StopAsync(); // the last completions are committed before the store closes
        double rate = n / stopwatch.Elapsed.TotalSeconds;
        using var check = new SqliteConnection($"Data Source={database}");
        check.Open();
        using SqliteCommand left = check.CreateCommand();
        left.CommandText = "SELECT COUNT(*) FROM contracts_queue";
        if ((long)left.ExecuteScalar()! != 0)
        {
            throw new InvalidOperationException("Messages were left in the queue.");
        }

        return rate;
    }

    private static double Raw(string database, SqliteSynchronous synchronous, int n)
    {
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using (SqliteCommand setup = connection.CreateCommand())
        {
            setup.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL")}; " +
                                "CREATE TABLE q (seq INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL);";
            setup.ExecuteNonQuery();
        }

        using SqliteCommand insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO q (payload) VALUES ($p)";
        insert.Parameters.AddWithValue("$p", new byte[64]);
        using SqliteCommand delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM q WHERE seq = $s";
        SqliteParameter seq = delete.Parameters.Add("$s", SqliteType.Integer);
        var stopwatch = Stopwatch.StartNew();
        long next = 1;
        for (int done = 0; done < n; done += 64)
        {
            using (SqliteTransaction transaction = connection.BeginTransaction())
            {
                insert.Transaction = transaction;
                for (int i = 0; i < 64; i++)
                {
                    insert.ExecuteNonQuery();
                }

                transaction.Commit();
            }

            using (SqliteTransaction transaction = connection.BeginTransaction())
            {
                delete.Transaction = transaction;
                for (int i = 0; i < 64; i++)
                {
                    seq.Value = next++;
                    delete.ExecuteNonQuery();
                }

                transaction.Commit();
            }
        }

        return n / stopwatch.Elapsed.TotalSeconds;
    }
}
