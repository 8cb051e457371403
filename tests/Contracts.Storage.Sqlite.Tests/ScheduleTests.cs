using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Scheduling;
using Contracts.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

[Command] public partial record Report([property: IdempotencyKey] long DueMs);

/// <summary>Which process handled which occurrence.</summary>
public sealed class ReportLog
{
    public readonly ConcurrentQueue<(string Bus, long DueMs, Guid MessageId)> Handled = new();
}

public sealed class ReportHandler(ReportLog log, BusName name) : ICommandHandler<Report>
{
    public ValueTask HandleAsync(Report command, MessageContext context, CancellationToken cancellationToken)
    {
        log.Handled.Enqueue((name.Value, command.DueMs, context.MessageId));
        return ValueTask.CompletedTask;
    }
}

public sealed record BusName(string Value);

/// <summary>
/// Schedules on one SQLite file shared by several buses, on a clock the test moves: every occurrence fires exactly once
/// (one outbox row, one handling), a restarted bus catches up by the schedule's policy, a cancel holds for every bus.
/// Claims last a day: the test jumps the clock by hours, and claims that ran out under a jump would let the other bus
/// take over rows still being handled (a duplicate that says nothing about schedules).
/// </summary>
public sealed class ScheduleTests : IDisposable
{
    private static readonly DateTimeOffset s_t0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    private Task<SqliteBus> StartAsync(string name, ManualClock clock, ReportLog log, MissedFirings missed = MissedFirings.FireOnce, int cap = 10) => SqliteBus.StartAsync(
        _database,
        s => s.AddSingleton<TimeProvider>(clock).AddSingleton(log).AddSingleton(new BusName(name)),
        options: o =>
        {
            o.ClaimDuration = TimeSpan.FromDays(1);
            o.Schedules.PollInterval = TimeSpan.FromMilliseconds(20);
            o.Schedules.MaxCatchUpFirings = cap;
            o.Schedules.Add("hourly-report", Schedule.Every(TimeSpan.FromHours(1)), due => new Report(due.ToUnixTimeMilliseconds()), missed);
        });

    private static long Hour(int n) => s_t0.AddHours(n).ToUnixTimeMilliseconds();

    [Fact]
    public async Task Two_buses_on_one_file_fire_every_occurrence_of_a_shared_schedule_exactly_once()
    {
        var clock = new ManualClock(s_t0.AddMinutes(1));
        var log = new ReportLog();
        await using SqliteBus first = await StartAsync("first", clock, log);
        await using SqliteBus second = await StartAsync("second", clock, log);

        const int Occurrences = 12;
        for (int n = 1; n <= Occurrences; n++)
        {
            clock.Set(s_t0.AddHours(n).AddSeconds(1));
            await Wait.Until(() => log.Handled.Count >= n, $"occurrence {n} was handled");
        }

        await Task.Delay(200); // ten polls of each bus more: nothing fires twice
        Assert.Equal(Enumerable.Range(1, Occurrences).Select(Hour), log.Handled.Select(h => h.DueMs).Order());
        Assert.Equal(Occurrences, log.Handled.Select(h => h.MessageId).Distinct().Count());
        Assert.Equal(Occurrences, _database.Scalar($"SELECT count(*) FROM contracts_outbox WHERE contract = '{NameOf<Report>()}'"));
        Assert.Equal(Hour(Occurrences + 1), _database.Scalar("SELECT next_due FROM contracts_schedules WHERE id = 'hourly-report'"));
    }

    [Theory]
    [InlineData(MissedFirings.FireOnce, new[] { 6 })]
    [InlineData(MissedFirings.Skip, new int[0])]
    [InlineData(MissedFirings.FireAll, new[] { 4, 5, 6 })]
    public async Task A_bus_restarted_after_a_downtime_catches_up_by_the_schedules_policy(MissedFirings missed, int[] caughtUp)
    {
        var clock = new ManualClock(s_t0.AddMinutes(1));
        var log = new ReportLog();
        SqliteBus before = await StartAsync("before", clock, log, missed, cap: 3);
        clock.Set(s_t0.AddHours(1).AddSeconds(1));
        await Wait.Until(() => log.Handled.Count == 1, "the first occurrence was handled");
        await before.DisposeAsync();

        // Down from 01:00:01 to 06:30: 02:00 ... 06:00 are missed (five occurrences).
        clock.Set(s_t0.AddHours(6.5));
        await using SqliteBus after = await StartAsync("after", clock, log, missed, cap: 3);

        // The next occurrence is the positive control: once it is handled, every catch-up firing had its chance.
        clock.Set(s_t0.AddHours(7).AddSeconds(1));
        await Wait.Until(() => log.Handled.Any(h => h.DueMs == Hour(7)), "the occurrence after the downtime was handled");
        await Task.Delay(200);
        Assert.Equal([Hour(1), .. caughtUp.Select(Hour), Hour(7)], log.Handled.Select(h => h.DueMs).Order());
    }

    [Fact]
    public async Task A_one_off_cancelled_on_one_bus_fires_on_none_and_survives_a_restart_until_then()
    {
        var clock = new ManualClock(s_t0.AddMinutes(1));
        var log = new ReportLog();
        SqliteBus first = await StartAsync("first", clock, log);
        IMessageScheduler scheduler = first.Get<IMessageScheduler>();
        await scheduler.SendAtAsync(new Report(-1), s_t0.AddMinutes(30), id: "cancel-me");
        await scheduler.SendAtAsync(new Report(-2), s_t0.AddMinutes(30), id: "keep-me");
        await first.DisposeAsync();

        await using SqliteBus second = await StartAsync("second", clock, log);
        await using SqliteBus third = await StartAsync("third", clock, log);
        Assert.NotNull(await third.Get<IMessageScheduler>().GetAsync("cancel-me")); // kept across the restart
        Assert.True(await second.Get<IMessageScheduler>().CancelAsync("cancel-me"));
        clock.Set(s_t0.AddMinutes(31));
        await Wait.Until(() => log.Handled.Any(h => h.DueMs == -2), "the kept one-off was handled");
        await Task.Delay(200);
        Assert.Equal([-2L], log.Handled.Select(h => h.DueMs));
        Assert.False(await third.Get<IMessageScheduler>().CancelAsync("keep-me"));
    }

    private static string NameOf<T>()
        where T : class, IContract<T> => T.Contract.Name;
}
