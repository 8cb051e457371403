using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Scheduling;
using Contracts.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Postgres.Tests;

[Command] public partial record Report([property: IdempotencyKey] long DueMs);

/// <summary>Which occurrences were handled.</summary>
public sealed class ReportLog
{
    public readonly ConcurrentQueue<(long DueMs, Guid MessageId)> Handled = new();
}

public sealed class ReportHandler(ReportLog log) : ICommandHandler<Report>
{
    public ValueTask HandleAsync(Report command, MessageContext context, CancellationToken cancellationToken)
    {
        log.Handled.Enqueue((command.DueMs, context.MessageId));
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Schedules on one PostgreSQL schema shared by several buses, on a clock the test moves: every occurrence fires
/// exactly once, a restarted bus catches up once (FireOnce), a cancel holds for every bus. Claims last a day, as the
/// clock jumps by hours (see the SQLite tests).
/// </summary>
public sealed class ScheduleTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_t0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _schema = PostgresServer.NewSchema("sched");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await PostgresServer.DropSchemaAsync(_schema);

    private Task<PostgresBus> StartAsync(ManualClock clock, ReportLog log) => PostgresBus.StartAsync(
        _schema,
        s => s.AddSingleton<TimeProvider>(clock).AddSingleton(log),
        options: o =>
        {
            o.ClaimDuration = TimeSpan.FromDays(1);
            o.Schedules.PollInterval = TimeSpan.FromMilliseconds(20);
            o.Schedules.Add("hourly-report", Schedule.Every(TimeSpan.FromHours(1)), due => new Report(due.ToUnixTimeMilliseconds()));
        });

    private static long Hour(double n) => s_t0.AddHours(n).ToUnixTimeMilliseconds();

    private static async Task UntilAsync(Func<bool> condition, string what) => await Wait.UntilAsync(() => Task.FromResult(condition()), what);

    [Fact]
    public async Task Two_buses_on_one_database_fire_every_occurrence_of_a_shared_schedule_exactly_once()
    {
        var clock = new ManualClock(s_t0.AddMinutes(1));
        var log = new ReportLog();
        await using PostgresBus first = await StartAsync(clock, log);
        await using PostgresBus second = await StartAsync(clock, log);

        const int Occurrences = 12;
        for (int n = 1; n <= Occurrences; n++)
        {
            clock.Set(s_t0.AddHours(n).AddSeconds(1));
            await UntilAsync(() => log.Handled.Count >= n, $"occurrence {n} was handled");
        }

        await Task.Delay(300); // many polls of each bus more: nothing fires twice
        Assert.Equal(Enumerable.Range(1, Occurrences).Select(n => Hour(n)), log.Handled.Select(h => h.DueMs).Order());
        Assert.Equal(Occurrences, log.Handled.Select(h => h.MessageId).Distinct().Count());
        Assert.Equal(Occurrences, await PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".outbox WHERE contract = '{NameOf<Report>()}'"));
    }

    [Fact]
    public async Task A_bus_restarted_after_a_downtime_fires_one_catch_up_and_a_cancel_holds_for_every_bus()
    {
        var clock = new ManualClock(s_t0.AddMinutes(1));
        var log = new ReportLog();
        PostgresBus before = await StartAsync(clock, log);
        clock.Set(s_t0.AddHours(1).AddSeconds(1));
        await UntilAsync(() => log.Handled.Count == 1, "the first occurrence was handled");
        await before.Get<IMessageScheduler>().SendAtAsync(new Report(-1), s_t0.AddHours(6.75), id: "cancel-me");
        await before.Get<IMessageScheduler>().SendAtAsync(new Report(-2), s_t0.AddHours(6.75), id: "keep-me");
        await before.DisposeAsync();

        clock.Set(s_t0.AddHours(6.5)); // down from 01:00:01 to 06:30: 02:00 ... 06:00 missed
        await using PostgresBus after = await StartAsync(clock, log);
        await using PostgresBus other = await StartAsync(clock, log);
        Assert.True(await other.Get<IMessageScheduler>().CancelAsync("cancel-me"));

        clock.Set(s_t0.AddHours(7).AddSeconds(1));
        await UntilAsync(() => log.Handled.Any(h => h.DueMs == Hour(7)) && log.Handled.Any(h => h.DueMs == -2), "the next occurrence and the kept one-off were handled");
        await Task.Delay(300);
        Assert.Equal([-2L, Hour(1), Hour(6), Hour(7)], log.Handled.Select(h => h.DueMs).Order());
    }

    private static string NameOf<T>()
        where T : class, IContract<T> => T.Contract.Name;
}
