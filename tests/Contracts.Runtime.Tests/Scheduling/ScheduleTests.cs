using System;
using System.Collections.Generic;
using System.Linq;
using Contracts.Scheduling;

namespace Contracts.Runtime.Tests.Scheduling;

/// <summary>Schedules and their occurrences, without a bus: parsing, errors, time zones, and the missed-firing policies.</summary>
public sealed class ScheduleTests
{
    private static readonly DateTimeOffset s_t0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_cron_schedule_gives_its_occurrences_in_utc()
    {
        Schedule nightly = Schedule.Cron("0 3 * * *");
        Assert.Equal(s_t0.AddHours(3), nightly.NextAfter(s_t0));
        Assert.Equal(s_t0.AddDays(1).AddHours(3), nightly.NextAfter(s_t0.AddHours(3)));
        Assert.Equal("cron 0 3 * * *", nightly.ToString());
        Assert.Equal(nightly, Schedule.Parse(nightly.Spec));
    }

    [Fact]
    public void A_bad_cron_expression_fails_at_configuration_with_what_is_wrong()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => Schedule.Cron("0 25 * * *"));
        Assert.Contains("'0 25 * * *' is not a valid cron expression", error.Message, StringComparison.Ordinal);
        Assert.Contains("five fields", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Schedule.Cron("0 3 * *"));
        Assert.Throws<ArgumentException>(() => Schedule.Cron(" "));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Every(TimeSpan.Zero));
        Assert.Throws<FormatException>(() => Schedule.Parse("weekly|x"));
    }

    [Fact]
    public void A_cron_schedule_in_a_time_zone_follows_its_daylight_saving_changes()
    {
        TimeZoneInfo paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        Schedule schedule = Schedule.Cron("30 2 * * *", paris);

        // 2030-03-31: clocks go from 02:00 to 03:00 in Paris, so 02:30 does not exist; it fires once, at the change (01:00 UTC).
        DateTimeOffset? spring = schedule.NextAfter(new DateTimeOffset(2030, 3, 30, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2030, 3, 31, 1, 0, 0, TimeSpan.Zero), spring);

        // 2030-10-27: 02:30 happens twice; it fires once (the first, 00:30 UTC), and the next is the day after.
        DateTimeOffset? autumn = schedule.NextAfter(new DateTimeOffset(2030, 10, 26, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2030, 10, 27, 0, 30, 0, TimeSpan.Zero), autumn);
        Assert.Equal(new DateTimeOffset(2030, 10, 28, 1, 30, 0, TimeSpan.Zero), schedule.NextAfter(autumn!.Value));

        Assert.Equal(schedule, Schedule.Parse(schedule.Spec));
        Assert.Equal("cron 30 2 * * * (Europe/Paris)", schedule.ToString());
    }

    [Fact]
    public void An_interval_counts_from_its_anchor_so_every_process_computes_the_same_due_times()
    {
        Schedule hourly = Schedule.Every(TimeSpan.FromHours(1));
        Assert.Equal(s_t0.AddHours(1), hourly.NextAfter(s_t0));
        Assert.Equal(s_t0.AddHours(1), hourly.NextAfter(s_t0.AddMinutes(59)));
        Assert.Equal(s_t0.AddHours(2), hourly.NextAfter(s_t0.AddHours(1)));

        Schedule anchored = Schedule.Every(TimeSpan.FromMinutes(10), s_t0.AddMinutes(3));
        Assert.Equal(s_t0.AddMinutes(3), anchored.NextAfter(s_t0));
        Assert.Equal(s_t0.AddMinutes(13), anchored.NextAfter(s_t0.AddMinutes(3)));
        Assert.Equal(anchored, Schedule.Parse(anchored.Spec));
        Assert.NotEqual(hourly, anchored);
    }

    [Fact]
    public void A_one_off_fires_once_at_its_time_kept_to_the_millisecond()
    {
        Schedule once = Schedule.At(s_t0.AddTicks(12_345));
        Assert.True(once.IsOnce);
        Assert.Equal(s_t0.AddMilliseconds(1), once.NextAfter(s_t0));
        Assert.Null(once.NextAfter(s_t0.AddMilliseconds(1)));
        Assert.Equal(s_t0.AddMilliseconds(1), once.FirstDue(s_t0.AddDays(1))); // past: still due (fires at once)
        Assert.Equal(once, Schedule.Parse(once.Spec));
    }

    private static FiringPlan Plan(MissedFirings missed, TimeSpan downtime, int cap = 3) =>
        FiringPlan.For(Schedule.Every(TimeSpan.FromHours(1)), s_t0.AddHours(1), s_t0.AddHours(1) + downtime, missed, cap, TimeSpan.FromMinutes(1));

    [Fact]
    public void An_occurrence_found_within_the_grace_is_on_time_under_every_policy()
    {
        foreach (MissedFirings missed in Enum.GetValues<MissedFirings>())
        {
            FiringPlan plan = Plan(missed, TimeSpan.FromSeconds(30));
            Assert.Equal([s_t0.AddHours(1)], plan.Fire);
            Assert.Equal(s_t0.AddHours(2), plan.Next);
            Assert.Equal(0, plan.Skipped);
        }
    }

    [Fact]
    public void After_a_downtime_FireOnce_fires_the_latest_missed_occurrence_once()
    {
        // Due at 01:00, found at 06:30: 01:00 ... 06:00 were missed (six occurrences).
        FiringPlan plan = Plan(MissedFirings.FireOnce, TimeSpan.FromHours(5.5));
        Assert.Equal([s_t0.AddHours(6)], plan.Fire);
        Assert.Equal(s_t0.AddHours(7), plan.Next);
        Assert.Equal(5, plan.Skipped);
    }

    [Fact]
    public void After_a_downtime_Skip_fires_nothing_and_goes_on_with_the_next_occurrence()
    {
        FiringPlan plan = Plan(MissedFirings.Skip, TimeSpan.FromHours(5.5));
        Assert.Empty(plan.Fire);
        Assert.Equal(s_t0.AddHours(7), plan.Next);
        Assert.Equal(6, plan.Skipped);
    }

    [Fact]
    public void After_a_downtime_FireAll_fires_the_latest_missed_occurrences_up_to_the_cap_oldest_first()
    {
        FiringPlan capped = Plan(MissedFirings.FireAll, TimeSpan.FromHours(5.5), cap: 3);
        Assert.Equal([s_t0.AddHours(4), s_t0.AddHours(5), s_t0.AddHours(6)], capped.Fire);
        Assert.Equal(3, capped.Skipped);

        FiringPlan all = Plan(MissedFirings.FireAll, TimeSpan.FromHours(5.5), cap: 10);
        Assert.Equal(Enumerable.Range(1, 6).Select(h => s_t0.AddHours(h)), all.Fire);
        Assert.Equal(0, all.Skipped);
        Assert.Equal(s_t0.AddHours(7), all.Next);
    }

    [Fact]
    public void On_time_occurrences_after_missed_ones_fire_beside_the_catch_up()
    {
        // Every 20 s, due at 00:00:20, found at 00:02:10 with a one-minute grace: 00:00:20 ... 00:01:00 missed, 00:01:20 ... 00:02:00 on time.
        var every = Schedule.Every(TimeSpan.FromSeconds(20));
        FiringPlan plan = FiringPlan.For(every, s_t0.AddSeconds(20), s_t0.AddSeconds(130), MissedFirings.FireOnce, 10, TimeSpan.FromMinutes(1));
        List<DateTimeOffset> expected = [s_t0.AddSeconds(60), s_t0.AddSeconds(80), s_t0.AddSeconds(100), s_t0.AddSeconds(120)];
        Assert.Equal(expected, plan.Fire);
        Assert.Equal(2, plan.Skipped);
        Assert.Equal(s_t0.AddSeconds(140), plan.Next);
    }

    [Fact]
    public void A_late_one_off_fires_under_every_policy()
    {
        foreach (MissedFirings missed in Enum.GetValues<MissedFirings>())
        {
            FiringPlan plan = FiringPlan.For(Schedule.At(s_t0), s_t0, s_t0.AddDays(3), missed, 1, TimeSpan.FromMinutes(1));
            Assert.Equal([s_t0], plan.Fire);
            Assert.Null(plan.Next);
        }
    }

    [Fact]
    public void An_occurrence_has_the_same_message_id_in_every_process_and_another_per_occurrence()
    {
        Guid first = ScheduleRunner.OccurrenceId("nightly", s_t0);
        Assert.Equal(first, ScheduleRunner.OccurrenceId("nightly", s_t0));
        Assert.NotEqual(first, ScheduleRunner.OccurrenceId("nightly", s_t0.AddDays(1)));
        Assert.NotEqual(first, ScheduleRunner.OccurrenceId("weekly", s_t0));
        Assert.Equal(8, first.Version);
    }

    [Fact]
    public void Declaring_a_schedule_refuses_what_cannot_work()
    {
        var options = new ScheduleOptions();
        options.Add("every-minute", Schedule.Every(TimeSpan.FromMinutes(1)), () => new Reminder(1));
        Assert.Contains("declared twice", Assert.Throws<ArgumentException>(() => options.Add("every-minute", Schedule.Cron("* * * * *"), () => new Reminder(2))).Message, StringComparison.Ordinal);
        Assert.Contains("SendAtAsync", Assert.Throws<ArgumentException>(() => options.Add("once", Schedule.At(s_t0), () => new Reminder(3))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => options.Add("", Schedule.Cron("* * * * *"), () => new Reminder(4)));
        Assert.Throws<ArgumentException>(() => options.Add(new string('x', 201), Schedule.Cron("* * * * *"), () => new Reminder(4)));
    }
}
