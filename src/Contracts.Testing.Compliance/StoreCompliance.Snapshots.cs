using System;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

/// <summary>
/// The snapshot role (<see cref="IMessageStore.Snapshots"/>): one snapshot per stream, kept whole, the later version of
/// two saves kept, seen by every store on the same database.
/// </summary>
public abstract partial class StoreCompliance<TFixture>
{
    private static SnapshotRecord Snapshot(string stream, long version, string shape = "1-abc", byte fill = 1, long at = 1_700_000_000_000) =>
        new(stream, version, shape, Enumerable.Repeat(fill, 500).ToArray(), DateTimeOffset.FromUnixTimeMilliseconds(at));

    private static void AssertSame(SnapshotRecord expected, SnapshotRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.StreamId, actual.StreamId);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.StateShape, actual.StateShape);
        Assert.Equal(expected.State.ToArray(), actual.State.ToArray());
        Assert.Equal(expected.TakenAt, actual.TakenAt);
    }

    /// <summary>A snapshot is read back whole; a later one replaces it; each stream has its own.</summary>
    [Fact]
    public async Task A_snapshot_is_read_back_whole_and_a_later_one_replaces_it()
    {
        ISnapshotStore snapshots = (await OpenAsync()).Snapshots;
        Assert.Null(await snapshots.ReadAsync("order-1", Cancel));

        await snapshots.SaveAsync(Snapshot("order-1", 100), Cancel);
        await snapshots.SaveAsync(Snapshot("order-2", 7, fill: 2), Cancel);
        AssertSame(Snapshot("order-1", 100), await snapshots.ReadAsync("order-1", Cancel));
        AssertSame(Snapshot("order-2", 7, fill: 2), await snapshots.ReadAsync("order-2", Cancel));

        await snapshots.SaveAsync(Snapshot("order-1", 200, shape: "2-def", fill: 9, at: 1_700_000_000_555), Cancel);
        AssertSame(Snapshot("order-1", 200, shape: "2-def", fill: 9, at: 1_700_000_000_555), await snapshots.ReadAsync("order-1", Cancel));
        AssertSame(Snapshot("order-2", 7, fill: 2), await snapshots.ReadAsync("order-2", Cancel));
    }

    /// <summary>Of two writers, the later version stays, whichever saves last; the same version is written over (a new state shape).</summary>
    [Fact]
    public async Task An_older_snapshot_never_replaces_a_newer_one()
    {
        ISnapshotStore first = (await OpenAsync()).Snapshots;
        ISnapshotStore second = (await OpenAsync()).Snapshots;
        await first.SaveAsync(Snapshot("cart-1", 300, fill: 3), Cancel);
        await second.SaveAsync(Snapshot("cart-1", 200, fill: 2), Cancel);
        AssertSame(Snapshot("cart-1", 300, fill: 3), await first.ReadAsync("cart-1", Cancel));
        AssertSame(Snapshot("cart-1", 300, fill: 3), await second.ReadAsync("cart-1", Cancel));

        await second.SaveAsync(Snapshot("cart-1", 300, shape: "2-new", fill: 4), Cancel);
        AssertSame(Snapshot("cart-1", 300, shape: "2-new", fill: 4), await first.ReadAsync("cart-1", Cancel));
    }

    /// <summary>Writers racing on one stream leave the snapshot of the highest version.</summary>
    [Fact]
    public async Task Racing_snapshot_writers_leave_the_highest_version()
    {
        ISnapshotStore first = (await OpenAsync()).Snapshots;
        ISnapshotStore second = (await OpenAsync()).Snapshots;
        Task[] writers = Enumerable.Range(1, 40)
            .Select(i => Task.Run(async () => await (i % 2 == 0 ? first : second).SaveAsync(Snapshot("race-1", i, fill: (byte)i), Cancel)))
            .ToArray();
        await Task.WhenAll(writers);
        AssertSame(Snapshot("race-1", 40, fill: 40), await first.ReadAsync("race-1", Cancel));
    }

    /// <summary>A deleted snapshot is gone, and deleting one that is not there is no error.</summary>
    [Fact]
    public async Task A_deleted_snapshot_is_gone()
    {
        ISnapshotStore snapshots = (await OpenAsync()).Snapshots;
        await snapshots.SaveAsync(Snapshot("order-9", 10), Cancel);
        await snapshots.DeleteAsync("order-9", Cancel);
        Assert.Null(await snapshots.ReadAsync("order-9", Cancel));
        await snapshots.DeleteAsync("order-9", Cancel);
        await snapshots.SaveAsync(Snapshot("order-9", 5), Cancel);
        AssertSame(Snapshot("order-9", 5), await snapshots.ReadAsync("order-9", Cancel));
    }
}
