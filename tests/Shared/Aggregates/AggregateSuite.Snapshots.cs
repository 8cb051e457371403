using System;
using System.Linq;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;

namespace Contracts.Tests.Aggregates;

/// <summary>Snapshots and temporal loads.</summary>
public abstract partial class AggregateSuite
{
    private static readonly AppendOptions s_quiet = new() { Publish = false };

    private static async Task<Tally> SaveAddsAsync(IAggregateStore aggregates, string id, int count, bool start = false)
    {
        Tally tally = await aggregates.LoadAsync<Tally>(id, Cancel);
        if (start)
        {
            tally.Start("ada");
        }

        for (int i = 1; i <= count; i++)
        {
            tally.Add(i);
        }

        await aggregates.SaveAsync(tally, s_quiet, Cancel);
        return tally;
    }

    [Fact]
    public async Task A_snapshot_is_taken_when_a_save_brings_the_stream_the_interval_past_the_last_one()
    {
        AggregateHost host = await StartAsync();
        string id = Guid.NewGuid().ToString("N");
        string stream = "tally-" + id;
        await SaveAddsAsync(host.Aggregates, id, 59, start: true); // version 60
        Assert.Null(await host.Store.Snapshots.ReadAsync(stream, Cancel));
        await SaveAddsAsync(host.Aggregates, id, 60);               // 120: 120 past none
        Assert.Equal(120, (await host.Store.Snapshots.ReadAsync(stream, Cancel))!.Version);
        await SaveAddsAsync(host.Aggregates, id, 50);               // 170: 50 past 120
        Assert.Equal(120, (await host.Store.Snapshots.ReadAsync(stream, Cancel))!.Version);
        await SaveAddsAsync(host.Aggregates, id, 60);               // 230: 110 past 120
        SnapshotRecord snapshot = (await host.Store.Snapshots.ReadAsync(stream, Cancel))!;
        Assert.Equal(230, snapshot.Version);
        Assert.Equal(TallyShape(), snapshot.StateShape);

        Tally loaded = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(230, loaded.Version);
        Assert.Equal(229, loaded.State.Count);
        Assert.Equal((59 * 60 / 2) + (60 * 61 / 2) + (50 * 51 / 2) + (60 * 61 / 2), loaded.State.Total);
    }

    [Fact]
    public async Task Loading_a_10000_event_stream_with_a_snapshot_reads_the_snapshot_and_the_tail_only()
    {
        AggregateHost host = await StartAsync();
        string id = Guid.NewGuid().ToString("N");
        await SaveAddsAsync(host.Aggregates, id, 9_999, start: true); // 10,000 events in one append; snapshot at 10,000
        await SaveAddsAsync(host.Aggregates, id, 5);                  // the tail: 5 events, no snapshot (5 < 100)
        Assert.Equal(10_000, (await host.Store.Snapshots.ReadAsync("tally-" + id, Cancel))!.Version);

        host.Store.ResetCounts();
        Tally withSnapshot = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(5, host.Store.StreamRowsRead);
        Assert.Equal(1, host.Store.SnapshotReads);
        Assert.Equal(10_005, withSnapshot.Version);

        host.Store.ResetCounts();
        UnsnappedTally replayed = await host.Aggregates.LoadAsync<UnsnappedTally>(id, Cancel);
        Assert.Equal(10_005, host.Store.StreamRowsRead);
        Assert.Equal(0, host.Store.SnapshotReads);
        Assert.Equal(10_005, replayed.Version);
        Assert.Equal(replayed.State, withSnapshot.State);
        Assert.Equal((9_999L * 10_000 / 2) + 15, withSnapshot.State.Total);
    }

    [Fact]
    public async Task A_snapshot_of_another_state_shape_or_unreadable_is_ignored_and_the_stream_replayed()
    {
        AggregateHost host = await StartAsync();
        string id = Guid.NewGuid().ToString("N");
        string stream = "tally-" + id;
        await SaveAddsAsync(host.Aggregates, id, 9, start: true); // 10 events, no snapshot yet
        await host.Store.Snapshots.SaveAsync(new SnapshotRecord(stream, 8, "1-0000000000000000", new byte[] { 0x93, 1, 2, 3 }, DateTimeOffset.UtcNow), Cancel);
        host.Store.ResetCounts();
        Tally other = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(10, host.Store.StreamRowsRead);
        Assert.Equal(45, other.State.Total);

        await host.Store.Snapshots.SaveAsync(new SnapshotRecord(stream, 9, TallyShape(), new byte[] { 0xc1, 0xc1 }, DateTimeOffset.UtcNow), Cancel);
        host.Store.ResetCounts();
        Tally unreadable = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(10, host.Store.StreamRowsRead);
        Assert.Equal(45, unreadable.State.Total);
        Assert.Equal(10, unreadable.Version);
    }

    [Fact]
    public async Task A_temporal_load_by_version_shows_the_past_and_cannot_change_it()
    {
        AggregateHost host = await StartAsync();
        string id = Guid.NewGuid().ToString("N");
        await SaveAddsAsync(host.Aggregates, id, 149, start: true); // 150, snapshot at 150
        await SaveAddsAsync(host.Aggregates, id, 10);               // 160

        Tally at3 = await host.Aggregates.LoadAsOfAsync<Tally>(id, 3, Cancel);
        Assert.Equal(3, at3.Version);
        Assert.Equal(3, at3.State.Total);  // 1 + 2
        Assert.True(at3.IsHistorical);
        Assert.Throws<InvalidOperationException>(() => at3.Add(1));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await host.Aggregates.SaveAsync(at3, cancellationToken: Cancel));

        host.Store.ResetCounts();
        Tally at155 = await host.Aggregates.LoadAsOfAsync<Tally>(id, 155, Cancel);
        Assert.Equal(155, at155.Version);
        Assert.Equal((149 * 150 / 2) + 15, at155.State.Total);
        Assert.Equal(5, host.Store.StreamRowsRead);  // from the snapshot at 150

        Tally beyond = await host.Aggregates.LoadAsOfAsync<Tally>(id, 1_000, Cancel);
        Assert.Equal(160, beyond.Version);
    }

    [Fact]
    public async Task A_temporal_load_by_time_applies_the_events_recorded_by_then()
    {
        AggregateHost host = await StartAsync();
        string id = Guid.NewGuid().ToString("N");
        string stream = "tally-" + id;
        await SaveAddsAsync(host.Aggregates, id, 2, start: true);   // 3
        DateTimeOffset early = (await host.Events.ReadStreamBackwardsAsync(stream, maxCount: 1, cancellationToken: Cancel).FirstAsync(Cancel)).RecordedAt;
        await Task.Delay(30, Cancel);
        await SaveAddsAsync(host.Aggregates, id, 147);              // 150, snapshot at 150
        DateTimeOffset middle = (await host.Events.ReadStreamBackwardsAsync(stream, maxCount: 1, cancellationToken: Cancel).FirstAsync(Cancel)).RecordedAt;
        await Task.Delay(30, Cancel);
        await SaveAddsAsync(host.Aggregates, id, 4);                // 154

        Tally before = await host.Aggregates.LoadAsOfAsync<Tally>(id, early.AddMilliseconds(-20), Cancel);
        Assert.Equal(0, before.Version);
        Assert.Equal(new TallyState(), before.State);

        Tally atEarly = await host.Aggregates.LoadAsOfAsync<Tally>(id, early, Cancel); // the snapshot at 150 is too new: replayed
        Assert.Equal(3, atEarly.Version);
        Assert.Equal(3, atEarly.State.Total);

        host.Store.ResetCounts();
        Tally atMiddle = await host.Aggregates.LoadAsOfAsync<Tally>(id, middle, Cancel);
        Assert.Equal(150, atMiddle.Version);
        Assert.Equal(3 + (147 * 148 / 2), atMiddle.State.Total);
        Assert.True(host.Store.StreamRowsRead <= 5, $"read {host.Store.StreamRowsRead} rows: the snapshot at 150 should have been used");
        Assert.True(atMiddle.IsHistorical);

        Tally now = await host.Aggregates.LoadAsOfAsync<Tally>(id, DateTimeOffset.UtcNow.AddMinutes(1), Cancel);
        Assert.Equal(154, now.Version);
    }

    /// <summary>The tally's generated state shape.</summary>
    private static string TallyShape() => ShapeOf<Tally>();

    private static string ShapeOf<T>()
        where T : Aggregate, IAggregateDefinition<T> => T.StateShape;
}
