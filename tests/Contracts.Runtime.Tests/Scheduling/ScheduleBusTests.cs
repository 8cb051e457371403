using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Scheduling;
using Contracts.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests.Scheduling;

[Command] public partial record Reminder([property: IdempotencyKey] long DueMs);

[Command] public partial record Ping([property: IdempotencyKey] string Name);

/// <summary>What the scheduled commands' handlers saw.</summary>
public sealed class ScheduleProbe
{
    public readonly ConcurrentQueue<(long DueMs, Guid MessageId)> Reminders = new();
    public readonly ConcurrentQueue<string> Pings = new();
}

public sealed class ReminderHandler(ScheduleProbe probe) : ICommandHandler<Reminder>
{
    public ValueTask HandleAsync(Reminder command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Reminders.Enqueue((command.DueMs, context.MessageId));
        return ValueTask.CompletedTask;
    }
}

public sealed class PingHandler(ScheduleProbe probe) : ICommandHandler<Ping>
{
    public ValueTask HandleAsync(Ping command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Pings.Enqueue(command.Name);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Schedules on a running bus with the in-memory store, on a clock the test moves.</summary>
public sealed class ScheduleBusTests
{
    private static readonly DateTimeOffset s_t0 = new(2030, 1, 1, 0, 0, 0, 500, TimeSpan.Zero);

    private static Task<TestBus> StartAsync(ManualClock clock, ScheduleProbe probe, Action<ContractsOptions>? configure = null) => TestBus.StartAsync(
        s => s.AddSingleton<TimeProvider>(clock).AddSingleton(probe),
        o =>
        {
            o.Schedules.PollInterval = TimeSpan.FromMilliseconds(20);
            configure?.Invoke(o);
        });

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow + TestBus.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(10);
        }
    }

    private static string NameOf<T>()
        where T : class, IContract<T> => T.Contract.Name;

    [Fact]
    public async Task A_declared_schedule_fires_once_per_occurrence_as_the_clock_moves()
    {
        var clock = new ManualClock(s_t0);
        var probe = new ScheduleProbe();
        await using TestBus bus = await StartAsync(clock, probe, o =>
            o.Schedules.Add("minutely", Schedule.Every(TimeSpan.FromMinutes(1)), due => new Reminder(due.ToUnixTimeMilliseconds())));

        // Nothing is due before the clock reaches 00:01; a few polls pass without a firing.
        await Task.Delay(100);
        Assert.Empty(probe.Reminders);

        for (int minute = 1; minute <= 5; minute++)
        {
            clock.Set(s_t0.AddMilliseconds(-500).AddMinutes(minute).AddSeconds(1));
            await UntilAsync(() => probe.Reminders.Count >= minute, $"occurrence {minute} fired");
        }

        await Task.Delay(100); // more polls: no occurrence fires twice
        long[] expected = [.. Enumerable.Range(1, 5).Select(m => s_t0.AddMilliseconds(-500).AddMinutes(m).ToUnixTimeMilliseconds())];
        Assert.Equal(expected, probe.Reminders.Select(r => r.DueMs));
        Assert.Equal(
            expected.Select(ms => ScheduleRunner.OccurrenceId("minutely", DateTimeOffset.FromUnixTimeMilliseconds(ms))),
            probe.Reminders.Select(r => r.MessageId));

        ScheduledCommand? shown = await bus.Get<IMessageScheduler>().GetAsync("minutely");
        Assert.NotNull(shown);
        Assert.Equal(s_t0.AddMilliseconds(-500).AddMinutes(6), shown.NextDue);
        Assert.Equal("every 00:01:00", shown.Schedule);
        Assert.Equal(NameOf<Reminder>(), shown.Contract);
    }

    [Fact]
    public async Task A_one_off_cancelled_before_it_is_due_never_fires_and_one_that_fired_cannot_be_cancelled()
    {
        var clock = new ManualClock(s_t0);
        var probe = new ScheduleProbe();
        await using TestBus bus = await StartAsync(clock, probe);
        IMessageScheduler scheduler = bus.Get<IMessageScheduler>();

        string cancelled = await scheduler.SendAtAsync(new Ping("cancelled"), s_t0.AddMinutes(5));
        string kept = await scheduler.SendAtAsync(new Ping("kept"), s_t0.AddMinutes(5), id: "kept-one");
        Assert.Equal("kept-one", kept);
        Assert.Equal(2, (await scheduler.ListAsync()).Count);

        Assert.True(await scheduler.CancelAsync(cancelled));
        Assert.False(await scheduler.CancelAsync(cancelled));
        clock.Advance(TimeSpan.FromMinutes(6));

        // The kept one fired on the same poll the cancelled one would have: the cancelled one is gone for good.
        await UntilAsync(() => probe.Pings.Contains("kept"), "the kept one-off fired");
        await Task.Delay(100);
        Assert.Equal(["kept"], probe.Pings);
        Assert.False(await scheduler.CancelAsync(kept)); // already fired: nothing to cancel
        Assert.Null(await scheduler.GetAsync(kept));
        Assert.Empty(await scheduler.ListAsync());
    }

    [Fact]
    public async Task A_recurring_schedule_made_at_run_time_fires_until_cancelled()
    {
        var clock = new ManualClock(s_t0);
        var probe = new ScheduleProbe();
        await using TestBus bus = await StartAsync(clock, probe);
        IMessageScheduler scheduler = bus.Get<IMessageScheduler>();

        DateTimeOffset first = await scheduler.ScheduleAsync("hourly-ping", Schedule.Cron("0 * * * *"), new Ping("hourly"));
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 1, 0, 0, TimeSpan.Zero), first);
        clock.Set(first.AddSeconds(2));
        await UntilAsync(() => probe.Pings.Count == 1, "the first occurrence fired");
        clock.Set(first.AddHours(1).AddSeconds(2));
        await UntilAsync(() => probe.Pings.Count == 2, "the second occurrence fired");

        Assert.True(await scheduler.CancelAsync("hourly-ping"));
        await scheduler.SendAtAsync(new Ping("marker"), first.AddHours(2));
        clock.Set(first.AddHours(2).AddSeconds(2));
        await UntilAsync(() => probe.Pings.Contains("marker"), "the marker fired");
        await Task.Delay(100);
        Assert.Equal(["hourly", "hourly", "marker"], probe.Pings);
    }

    [Fact]
    public async Task The_scheduler_refuses_to_work_on_a_bus_that_is_not_running()
    {
        var clock = new ManualClock(s_t0);
        TestBus bus = await StartAsync(clock, new ScheduleProbe());
        IMessageScheduler scheduler = bus.Get<IMessageScheduler>();
        await bus.DisposeAsync();
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.SendAtAsync(new Ping("late"), s_t0).AsTask());
        Assert.Contains("stopped", error.Message, StringComparison.Ordinal);
    }
}
