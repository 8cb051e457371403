using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Scheduling;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

/// <summary>
/// The schedule role (<see cref="IMessageStore.Schedules"/>): schedules kept with their next due time, a firing that is
/// a compare-and-swap on it writing its outbox rows in the same commit, so of several processes exactly one fires each
/// occurrence, and cancellation by id.
/// </summary>
public abstract partial class StoreCompliance<TFixture>
{
    private static readonly DateTimeOffset s_due = DateTimeOffset.FromUnixTimeMilliseconds(1_900_000_000_000);

    private static ScheduleRecord ScheduleRow(string id, DateTimeOffset due, string recurrence = "every|60000|0", byte fill = 1) => new(
        id, "Compliance.Scheduled", 3, Enumerable.Repeat(fill, 40).ToArray(), recurrence, due, MissedFirings.FireAll, 7, DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123));

    private static void AssertSame(ScheduleRecord expected, ScheduleRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.ContractName, actual.ContractName);
        Assert.Equal(expected.ContractVersion, actual.ContractVersion);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.Equal(expected.Recurrence, actual.Recurrence);
        Assert.Equal(expected.NextDue, actual.NextDue);
        Assert.Equal(expected.Missed, actual.Missed);
        Assert.Equal(expected.MaxCatchUp, actual.MaxCatchUp);
        Assert.Equal(expected.UpdatedAt, actual.UpdatedAt);
    }

    /// <summary>A schedule is kept field for field, listed by id, and found due once its due time has come, earliest first.</summary>
    [Fact]
    public async Task A_schedule_is_stored_listed_and_found_when_due()
    {
        IMessageStore store = await OpenAsync();
        Assert.Null(await store.Schedules.GetAsync("b", Cancel));
        await store.Schedules.SaveAsync(ScheduleRow("b", s_due.AddMinutes(1)), keepDue: false, Cancel);
        await store.Schedules.SaveAsync(ScheduleRow("a", s_due.AddMinutes(2), fill: 2), keepDue: false, Cancel);
        await store.Schedules.SaveAsync(ScheduleRow("c", s_due, fill: 3) with { Payload = ReadOnlyMemory<byte>.Empty }, keepDue: false, Cancel);

        AssertSame(ScheduleRow("b", s_due.AddMinutes(1)), await store.Schedules.GetAsync("b", Cancel));
        AssertSame(ScheduleRow("c", s_due, fill: 3) with { Payload = ReadOnlyMemory<byte>.Empty }, await store.Schedules.GetAsync("c", Cancel));
        Assert.Equal(["a", "b", "c"], (await store.Schedules.ListAsync(0, 10, Cancel)).Select(s => s.Id));
        Assert.Equal(["b", "c"], (await store.Schedules.ListAsync(1, 2, Cancel)).Select(s => s.Id));

        Assert.Empty(await store.Schedules.DueAsync(s_due.AddMilliseconds(-1), 10, Cancel));
        Assert.Equal(["c", "b"], (await store.Schedules.DueAsync(s_due.AddMinutes(1), 10, Cancel)).Select(s => s.Id));
        Assert.Equal(["c"], (await store.Schedules.DueAsync(s_due.AddMinutes(5), 1, Cancel)).Select(s => s.Id));
    }

    /// <summary>Saving again replaces the schedule; with keepDue its due time stays while its recurrence is unchanged.</summary>
    [Fact]
    public async Task Saving_a_schedule_again_replaces_it_and_keeps_its_due_time_only_when_asked_and_unchanged()
    {
        IMessageStore store = await OpenAsync();
        await store.Schedules.SaveAsync(ScheduleRow("s", s_due), keepDue: true, Cancel);
        await store.Schedules.SaveAsync(ScheduleRow("s", s_due.AddHours(1), fill: 5), keepDue: true, Cancel);
        AssertSame(ScheduleRow("s", s_due, fill: 5), await store.Schedules.GetAsync("s", Cancel));

        await store.Schedules.SaveAsync(ScheduleRow("s", s_due.AddHours(2), "every|120000|0"), keepDue: true, Cancel);
        AssertSame(ScheduleRow("s", s_due.AddHours(2), "every|120000|0"), await store.Schedules.GetAsync("s", Cancel));

        await store.Schedules.SaveAsync(ScheduleRow("s", s_due.AddHours(3), "every|120000|0"), keepDue: false, Cancel);
        AssertSame(ScheduleRow("s", s_due.AddHours(3), "every|120000|0"), await store.Schedules.GetAsync("s", Cancel));
    }

    /// <summary>A firing moves the due time and commits its outbox rows; the same occurrence fired again does nothing.</summary>
    [Fact]
    public async Task Firing_moves_the_schedule_and_writes_its_outbox_rows_once_per_occurrence()
    {
        IMessageStore store = await OpenAsync();
        await store.Schedules.SaveAsync(ScheduleRow("f", s_due), keepDue: false, Cancel);
        MessageRecord first = Record(1, endpoint: "");
        MessageRecord second = Record(2, endpoint: "");

        Assert.True(await store.Schedules.FireAsync("f", s_due, s_due.AddMinutes(1), [first, second], Cancel));
        Assert.False(await store.Schedules.FireAsync("f", s_due, s_due.AddMinutes(1), [Record(3, endpoint: "")], Cancel));
        Assert.Equal(s_due.AddMinutes(1), (await store.Schedules.GetAsync("f", Cancel))!.NextDue);

        IReadOnlyList<MessageRecord> relayed = await store.Outbox.ClaimAsync(Long("relay"), 10, Cancel);
        Assert.Equal(2, relayed.Count);
        AssertSame(first, relayed[0]);
        AssertSame(second, relayed[1]);

        Assert.False(await store.Schedules.FireAsync("missing", s_due, null, [Record(4, endpoint: "")], Cancel));
        Assert.Empty(await store.Outbox.ClaimAsync(Long("relay"), 10, Cancel));
    }

    /// <summary>The last occurrence (no next due time) removes the schedule in the same commit.</summary>
    [Fact]
    public async Task Firing_the_last_occurrence_removes_the_schedule()
    {
        IMessageStore store = await OpenAsync();
        await store.Schedules.SaveAsync(ScheduleRow("once", s_due, "once|1900000000000"), keepDue: false, Cancel);
        Assert.True(await store.Schedules.FireAsync("once", s_due, null, [Record(1, endpoint: "")], Cancel));
        Assert.Null(await store.Schedules.GetAsync("once", Cancel));
        Assert.Empty(await store.Schedules.DueAsync(s_due.AddDays(1), 10, Cancel));
        Assert.Single(await store.Outbox.ClaimAsync(Long("relay"), 10, Cancel));
    }

    /// <summary>Two processes firing the same occurrences at once: each occurrence is fired by exactly one, with one outbox row.</summary>
    [Fact]
    public async Task Of_two_processes_firing_one_occurrence_at_once_exactly_one_fires_it()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        await first.Schedules.SaveAsync(ScheduleRow("race", s_due), keepDue: false, Cancel);
        const int Occurrences = 20;
        int won = 0;
        for (int n = 0; n < Occurrences; n++)
        {
            DateTimeOffset due = s_due.AddMinutes(n);
            Task<bool> one = Task.Run(() => first.Schedules.FireAsync("race", due, due.AddMinutes(1), [Record(100 + n, endpoint: "")], Cancel).AsTask());
            Task<bool> two = Task.Run(() => second.Schedules.FireAsync("race", due, due.AddMinutes(1), [Record(200 + n, endpoint: "")], Cancel).AsTask());
            bool[] fired = await Task.WhenAll(one, two).WaitAsync(Fixture.Timeout, Cancel);
            Assert.Equal(1, fired.Count(f => f));
            won += fired[0] ? 1 : 0;
        }

        Assert.Equal(s_due.AddMinutes(Occurrences), (await second.Schedules.GetAsync("race", Cancel))!.NextDue);
        IReadOnlyList<MessageRecord> relayed = await first.Outbox.ClaimAsync(Long("relay"), 100, Cancel);
        Assert.Equal(Occurrences, relayed.Count);
        Assert.Equal(Occurrences, relayed.Select(r => r.IdempotencyKey).Distinct().Count());
        Assert.All(relayed, r => Assert.Contains(r.IdempotencyKey, Enumerable.Range(0, Occurrences).SelectMany(n => new[] { $"key-{100 + n}", $"key-{200 + n}" })));
    }

    /// <summary>A cancelled schedule is gone for every process: it is not due, and a firing of it does nothing.</summary>
    [Fact]
    public async Task A_cancelled_schedule_is_gone_and_does_not_fire()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        await first.Schedules.SaveAsync(ScheduleRow("x", s_due), keepDue: false, Cancel);
        Assert.True(await second.Schedules.CancelAsync("x", Cancel));
        Assert.False(await second.Schedules.CancelAsync("x", Cancel));
        Assert.Null(await first.Schedules.GetAsync("x", Cancel));
        Assert.Empty(await first.Schedules.DueAsync(s_due.AddDays(1), 10, Cancel));
        Assert.False(await first.Schedules.FireAsync("x", s_due, s_due.AddMinutes(1), [Record(1, endpoint: "")], Cancel));
        Assert.Empty(await first.Outbox.ClaimAsync(Long("relay"), 10, Cancel));
    }
}
