using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>Two buses on one SQLite file: each keeps its rows while it runs, and the other takes them over only when it may.</summary>
public sealed partial class SharedFileTests
{
    [Command] public partial record Slow([property: IdempotencyKey] int N);

    public sealed class SlowLog
    {
        public readonly ConcurrentQueue<(string Bus, int N)> Started = new();
        public readonly SemaphoreSlim Entered = new(0);
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class SlowHandler(SlowLog log, BusName bus) : ICommandHandler<Slow>
    {
        public async ValueTask HandleAsync(Slow command, MessageContext context, CancellationToken cancellationToken)
        {
            log.Started.Enqueue((bus.Name, command.N));
            log.Entered.Release();
            await log.Release.Task.WaitAsync(cancellationToken);
        }
    }

    public sealed record BusName(string Name);

    [Fact]
    public async Task A_bus_draining_past_its_claim_duration_keeps_its_rows_from_the_other_bus()
    {
        using var database = new TempDatabase();
        var log = new SlowLog();
        TimeSpan claim = TimeSpan.FromMilliseconds(600);
        Action<ContractsOptions> options = o =>
        {
            o.ClaimDuration = claim;
            o.ShutdownTimeout = TimeSpan.FromSeconds(10);
        };

        SqliteBus first = await SqliteBus.StartAsync(database, s => s.AddSingleton(log).AddSingleton(new BusName("first")), options: options);
        await using SqliteBus second = await SqliteBus.StartAsync(database, s => s.AddSingleton(log).AddSingleton(new BusName("second")), options: options);
        await first.Bus.SendAsync(new Slow(1));
        await Wait.For(log.Entered);

        // The first bus stops while its handler still runs: the drain lasts several claim durations.
        Task stopping = first.StopAsync();
        await Task.Delay(claim * 4);
        log.Release.TrySetResult();
        await stopping.WaitAsync(SqliteBus.Timeout);
        await first.DisposeAsync();

        // Renewed through the drain and completed by its own bus: the second bus never had it.
        await Task.Delay(claim);
        Assert.Equal([("first", 1)], log.Started);
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
    }

    [Fact]
    public async Task A_message_left_by_a_stopped_bus_is_taken_over_by_the_other_at_once()
    {
        using var database = new TempDatabase();
        var log = new SlowLog();
        Action<ContractsOptions> options = o =>
        {
            o.ClaimDuration = TimeSpan.FromMilliseconds(600);
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
        };

        SqliteBus first = await SqliteBus.StartAsync(database, s => s.AddSingleton(log).AddSingleton(new BusName("first")), options: options);
        await using SqliteBus second = await SqliteBus.StartAsync(database, s => s.AddSingleton(log).AddSingleton(new BusName("second")), options: options);
        await first.Bus.SendAsync(new Slow(2));
        await Wait.For(log.Entered);

        // Cut off by the shutdown timeout: its row is released, and the second bus takes it over.
        await first.DisposeAsync();
        await Wait.For(log.Entered);
        Assert.Equal([("first", 2), ("second", 2)], log.Started);
        log.Release.TrySetResult();
    }
}
