using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>One unit of work of the crash test: its effect is a row in <c>effects</c>, written in the consume transaction.</summary>
[Command] public partial record Work([property: IdempotencyKey] int N);

/// <summary>Applies <see cref="Work"/>: inserts its number into <c>effects</c> (no unique index, so a second application would show).</summary>
public sealed class WorkHandler(CrashChild.Gate gate) : ICommandHandler<Work>
{
    public async ValueTask HandleAsync(Work command, MessageContext context, CancellationToken cancellationToken)
    {
        await gate.Open.Task.WaitAsync(cancellationToken);
        SqliteTransaction transaction = context.GetSqliteTransaction();
        using SqliteCommand insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO effects (n) VALUES ($n)";
        insert.Parameters.AddWithValue("$n", command.N);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The crash test's child process: <c>produce</c> sends every message and then consumes; <c>drain</c> restarts and consumes the rest.</summary>
public static class CrashChild
{
    public const string ModeVariable = "CONTRACTS_CRASH_CHILD";
    public const string DatabaseVariable = "CONTRACTS_CRASH_DB";
    public const int Messages = 10_000;

    public sealed class Gate
    {
        public readonly TaskCompletionSource Open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public static async Task<int> RunAsync(string mode, string database)
    {
        var gate = new Gate();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(gate);
        // A killed process cannot release its claims: the restarted one takes its rows over once they run out.
        builder.Services.AddContracts(o => o
            .UseInMemoryTransport(t => t.Endpoint<Work>(e =>
            {
                e.Delivery = DeliveryMode.EffectivelyOnce;
                e.Capacity = Messages * 2; // every send is queued before the handler is let go
            }))
            .UseSqlite($"Data Source={database}", s => s.Synchronous = SqliteSynchronous.Normal)
            .ClaimDuration = TimeSpan.FromSeconds(2));
        using IHost host = builder.Build();
        using (var connection = new SqliteConnection($"Data Source={database}"))
        {
            connection.Open();
            using SqliteCommand create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE IF NOT EXISTS effects (n INTEGER NOT NULL)";
            create.ExecuteNonQuery();
        }

        await host.StartAsync();
        IMessageBus bus = host.Services.GetRequiredService<IMessageBus>();
        if (mode == "produce")
        {
            for (int i = 0; i < Messages; i++)
            {
                await bus.SendAsync(new Work(i));
            }

            Console.WriteLine("sent");
            gate.Open.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan); // until killed
            return 3;
        }

        gate.Open.TrySetResult();
        return await DrainAsync(host, database, TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until the queue table is empty, then stops the host: 0 when drained, 2 when <paramref name="timeout"/> passed first.</summary>
    public static async Task<int> DrainAsync(IHost host, string database, TimeSpan timeout)
    {
        using var check = new SqliteConnection($"Data Source={database}");
        check.Open();
        using SqliteCommand queued = check.CreateCommand();
        queued.CommandText = "SELECT COUNT(*) FROM contracts_queue";
        DateTime deadline = DateTime.UtcNow + timeout;
        while ((long)queued.ExecuteScalar()! > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                Console.WriteLine("timed out draining");
                return 2;
            }

            await Task.Delay(20);
        }

        await host.StopAsync();
        Console.WriteLine("drained");
        return 0;
    }
}
