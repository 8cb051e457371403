using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

public abstract partial class StoreCompliance<TFixture>
{
    /// <summary>An append stores its events whole, numbered in the stream and in the global log, and reads give them back both ways.</summary>
    [Fact]
    public async Task Appended_events_are_read_back_whole_forwards_and_backwards_with_consecutive_versions_and_positions()
    {
        IEventLogStore log = (await OpenAsync()).Events;
        EventRecord[] first = [Event(1), Event(2), Event(3)];
        Assert.Equal(3, await log.AppendAsync("order-1", ExpectedVersion.NoStream, first, null, Cancel));
        Assert.Equal(4, await log.AppendAsync("order-1", ExpectedVersion.Exactly(3), [Event(4)], null, Cancel));
        Assert.Equal(1, await log.AppendAsync("order-2", ExpectedVersion.Any, [Event(5)], null, Cancel));

        Assert.Equal([1L, 2, 3], first.Select(e => e.StreamVersion));
        Assert.Equal([1L, 2, 3], first.Select(e => e.Position));
        IReadOnlyList<EventRecord> forwards = await log.ReadStreamAsync("order-1", 1, ReadDirection.Forwards, 100, Cancel);
        Assert.Equal([1L, 2, 3, 4], forwards.Select(e => e.StreamVersion));
        for (int i = 0; i < first.Length; i++)
        {
            AssertSameEvent(first[i], forwards[i]);
        }

        IReadOnlyList<EventRecord> backwards = await log.ReadStreamAsync("order-1", long.MaxValue, ReadDirection.Backwards, 2, Cancel);
        Assert.Equal([4L, 3], backwards.Select(e => e.StreamVersion));
        Assert.Equal([2L, 3], (await log.ReadStreamAsync("order-1", 2, ReadDirection.Forwards, 2, Cancel)).Select(e => e.StreamVersion));
        Assert.Empty(await log.ReadStreamAsync("order-1", 5, ReadDirection.Forwards, 10, Cancel));
        Assert.Empty(await log.ReadStreamAsync("never-written", 1, ReadDirection.Forwards, 10, Cancel));

        IReadOnlyList<EventRecord> all = await log.ReadAllAsync(1, 100, Cancel);
        Assert.Equal([1L, 2, 3, 4, 5], all.Select(e => e.Position));
        Assert.Equal(["order-1", "order-1", "order-1", "order-1", "order-2"], all.Select(e => e.StreamId));
        Assert.Equal([4L, 5], (await log.ReadAllAsync(4, 10, Cancel)).Select(e => e.Position));
        Assert.Equal(5, await log.ReadHeadPositionAsync(Cancel));
        Assert.Equal(new StreamState(4, false), await log.GetStreamAsync("order-1", Cancel));
        Assert.Equal(default, await log.GetStreamAsync("never-written", Cancel));
    }

    /// <summary>An append whose expectation the stream does not meet stores nothing and says what the stream is at.</summary>
    [Fact]
    public async Task An_append_expecting_another_version_is_refused_and_stores_nothing()
    {
        IEventLogStore log = (await OpenAsync()).Events;
        await log.AppendAsync("cart-1", ExpectedVersion.NoStream, [Event(1), Event(2)], null, Cancel);

        WrongExpectedVersionException again = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            async () => await log.AppendAsync("cart-1", ExpectedVersion.NoStream, [Event(3)], null, Cancel));
        Assert.Equal(2, again.Actual);
        Assert.Equal("cart-1", again.StreamId);
        WrongExpectedVersionException stale = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            async () => await log.AppendAsync("cart-1", ExpectedVersion.Exactly(1), [Event(4), Event(5)], null, Cancel));
        Assert.Equal(ExpectedVersion.Exactly(1), stale.Expected);
        await Assert.ThrowsAsync<WrongExpectedVersionException>(
            async () => await log.AppendAsync("cart-new", ExpectedVersion.Exactly(1), [Event(6)], null, Cancel));

        Assert.Equal(2, await log.ReadHeadPositionAsync(Cancel));
        Assert.Equal(3, await log.AppendAsync("cart-1", ExpectedVersion.Exactly(2), [Event(7)], null, Cancel));
        Assert.Equal([1L, 2, 3], (await log.ReadAllAsync(1, 10, Cancel)).Select(e => e.Position));
    }

    /// <summary>Two writers that read the same version append at once (two processes on one database): exactly one wins.</summary>
    [Fact]
    public async Task Of_two_writers_appending_at_the_same_expected_version_exactly_one_wins()
    {
        IEventLogStore one = (await OpenAsync()).Events;
        IEventLogStore two = (await OpenAsync()).Events;
        await one.AppendAsync("account-1", ExpectedVersion.NoStream, [Event(1)], null, Cancel);

        for (int round = 0; round < 20; round++)
        {
            long read = (await one.GetStreamAsync("account-1", Cancel)).Version;
            Task<long> a = Task.Run(async () => await one.AppendAsync("account-1", ExpectedVersion.Exactly(read), [Event(100 + round)], null, Cancel));
            Task<long> b = Task.Run(async () => await two.AppendAsync("account-1", ExpectedVersion.Exactly(read), [Event(200 + round)], null, Cancel));
            Exception? failure = null;
            int won = 0;
            foreach (Task<long> writer in (Task<long>[])[a, b])
            {
                try
                {
                    Assert.Equal(read + 1, await writer.WaitAsync(Fixture.Timeout, Cancel));
                    won++;
                }
                catch (WrongExpectedVersionException ex)
                {
                    failure = ex;
                }
            }

            Assert.Equal(1, won);
            Assert.IsType<WrongExpectedVersionException>(failure);
        }

        Assert.Equal(21, (await one.GetStreamAsync("account-1", Cancel)).Version);
        Assert.Equal(Enumerable.Range(1, 21).Select(v => (long)v), (await two.ReadStreamAsync("account-1", 1, ReadDirection.Forwards, 100, Cancel)).Select(e => e.StreamVersion));
    }

    /// <summary>Eight writers on eight streams at once: the global log has every event once, at positions 1..N with no gap.</summary>
    [Fact]
    public async Task Eight_writers_on_different_streams_leave_a_global_log_without_gaps_or_duplicates()
    {
        const int writers = 8, appends = 25;
        IEventLogStore[] logs = [(await OpenAsync()).Events, (await OpenAsync()).Events];
        Task[] running = new Task[writers];
        for (int w = 0; w < writers; w++)
        {
            int writer = w;
            running[w] = Task.Run(async () =>
            {
                IEventLogStore log = logs[writer % logs.Length];
                long version = 0;
                for (int i = 0; i < appends; i++)
                {
                    int count = 1 + ((writer + i) % 3);
                    EventRecord[] batch = new EventRecord[count];
                    for (int j = 0; j < count; j++)
                    {
                        batch[j] = Event((writer * 1000) + (i * 10) + j);
                    }

                    version = await log.AppendAsync($"stream-{writer}", ExpectedVersion.Exactly(version), batch, null, Cancel);
                }
            }, Cancel);
        }

        await Task.WhenAll(running).WaitAsync(Fixture.Timeout * 2, Cancel);
        var all = new List<EventRecord>();
        for (long from = 1; ;)
        {
            IReadOnlyList<EventRecord> page = await logs[0].ReadAllAsync(from, 100, Cancel);
            all.AddRange(page);
            if (page.Count < 100)
            {
                break;
            }

            from = page[^1].Position + 1;
        }

        Assert.Equal(Enumerable.Range(1, all.Count).Select(p => (long)p), all.Select(e => e.Position));
        Assert.Equal(all.Count, all.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(all.Count, await logs[1].ReadHeadPositionAsync(Cancel));
        for (int w = 0; w < writers; w++)
        {
            long[] versions = all.Where(e => e.StreamId == $"stream-{w}").Select(e => e.StreamVersion).ToArray();
            Assert.Equal(Enumerable.Range(1, versions.Length).Select(v => (long)v), versions); // the global order keeps each stream's order
        }
    }

    /// <summary>A deleted stream takes no events and cannot be read; its events stay in the global log.</summary>
    [Fact]
    public async Task A_deleted_stream_refuses_reads_and_appends_and_its_events_stay_in_the_global_log()
    {
        IEventLogStore log = (await OpenAsync()).Events;
        await log.AppendAsync("gone", ExpectedVersion.NoStream, [Event(1), Event(2)], null, Cancel);
        await log.AppendAsync("kept", ExpectedVersion.NoStream, [Event(3)], null, Cancel);

        await Assert.ThrowsAsync<WrongExpectedVersionException>(async () => await log.DeleteStreamAsync("gone", ExpectedVersion.Exactly(1), Cancel));
        await log.DeleteStreamAsync("gone", ExpectedVersion.Exactly(2), Cancel);

        Assert.Equal(new StreamState(2, true), await log.GetStreamAsync("gone", Cancel));
        StreamDeletedException read = await Assert.ThrowsAsync<StreamDeletedException>(
            async () => await log.ReadStreamAsync("gone", 1, ReadDirection.Forwards, 10, Cancel));
        Assert.Equal("gone", read.StreamId);
        await Assert.ThrowsAsync<StreamDeletedException>(async () => await log.AppendAsync("gone", ExpectedVersion.Any, [Event(4)], null, Cancel));
        await Assert.ThrowsAsync<StreamDeletedException>(async () => await log.DeleteStreamAsync("gone", ExpectedVersion.Any, Cancel));
        Assert.Equal([1L, 2, 3], (await log.ReadAllAsync(1, 10, Cancel)).Select(e => e.Position));
        Assert.Single(await log.ReadStreamAsync("kept", 1, ReadDirection.Forwards, 10, Cancel));
    }

    /// <summary>
    /// An archived stream reads as before and takes no events, from this process or another, plain or in a transaction,
    /// with nothing published; archiving it again changes nothing, and it may still be deleted.
    /// </summary>
    [Fact]
    public async Task An_archived_stream_stays_readable_refuses_appends_everywhere_and_may_still_be_deleted()
    {
        IMessageStore store = await OpenAsync();
        IEventLogStore one = store.Events;
        IEventLogStore two = (await OpenAsync()).Events;
        await one.AppendAsync("closed", ExpectedVersion.NoStream, [Event(1), Event(2)], null, Cancel);
        await one.AppendAsync("open", ExpectedVersion.NoStream, [Event(3)], null, Cancel);

        await Assert.ThrowsAsync<WrongExpectedVersionException>(async () => await one.ArchiveStreamAsync("closed", ExpectedVersion.Exactly(1), Cancel));
        Assert.Equal(new StreamState(2, Deleted: false, Archived: false), await one.GetStreamAsync("closed", Cancel));
        await one.ArchiveStreamAsync("closed", ExpectedVersion.Exactly(2), Cancel);

        Assert.Equal(new StreamState(2, Deleted: false, Archived: true), await two.GetStreamAsync("closed", Cancel));
        Assert.Equal([1L, 2], (await two.ReadStreamAsync("closed", 1, ReadDirection.Forwards, 10, Cancel)).Select(e => e.StreamVersion));
        Assert.Equal([2L, 1], (await one.ReadStreamAsync("closed", long.MaxValue, ReadDirection.Backwards, 10, Cancel)).Select(e => e.StreamVersion));
        StreamArchivedException refused = await Assert.ThrowsAsync<StreamArchivedException>(
            async () => await two.AppendAsync("closed", ExpectedVersion.Exactly(2), [Event(4)], [Record(4, endpoint: "")], Cancel));
        Assert.Equal("closed", refused.StreamId);
        await Assert.ThrowsAsync<StreamArchivedException>(async () => await one.AppendAsync("closed", ExpectedVersion.Any, [Event(5)], null, Cancel));
        await using (IEventLogTransaction transaction = await one.BeginTransactionAsync(Cancel))
        {
            await Assert.ThrowsAsync<StreamArchivedException>(async () => await transaction.AppendAsync("closed", ExpectedVersion.Any, [Event(6)], null, Cancel));
            Assert.Equal(2, (await transaction.ReadStreamAsync("closed", 1, ReadDirection.Forwards, 10, Cancel)).Count);
            await transaction.AppendAsync("open", ExpectedVersion.Exactly(1), [Event(7)], null, Cancel); // the transaction goes on
            await transaction.CommitAsync(Cancel);
        }

        Assert.Empty(await store.Outbox.ClaimAsync(Long("relay"), 10, Cancel));
        Assert.Equal(2, (await one.GetStreamAsync("open", Cancel)).Version);
        Assert.Equal(4, await one.ReadHeadPositionAsync(Cancel)); // the refused appends took no position

        // Again: nothing changes; a version check still applies. Then deletion, which is stronger.
        await two.ArchiveStreamAsync("closed", ExpectedVersion.Any, Cancel);
        await Assert.ThrowsAsync<WrongExpectedVersionException>(async () => await two.ArchiveStreamAsync("closed", ExpectedVersion.NoStream, Cancel));
        Assert.Equal(new StreamState(2, Deleted: false, Archived: true), await one.GetStreamAsync("closed", Cancel));
        await one.DeleteStreamAsync("closed", ExpectedVersion.Exactly(2), Cancel);
        Assert.True((await two.GetStreamAsync("closed", Cancel)).Deleted);
        await Assert.ThrowsAsync<StreamDeletedException>(async () => await two.ReadStreamAsync("closed", 1, ReadDirection.Forwards, 10, Cancel));
        await Assert.ThrowsAsync<StreamDeletedException>(async () => await two.AppendAsync("closed", ExpectedVersion.Any, [Event(8)], null, Cancel));
        await Assert.ThrowsAsync<StreamDeletedException>(async () => await two.ArchiveStreamAsync("closed", ExpectedVersion.Any, Cancel));
        Assert.Equal([1L, 2, 3, 4], (await one.ReadAllAsync(1, 10, Cancel)).Select(e => e.Position));
    }

    /// <summary>A stream archived before its first event can never be started.</summary>
    [Fact]
    public async Task A_stream_archived_before_its_first_event_can_never_be_started()
    {
        IEventLogStore log = (await OpenAsync()).Events;
        await Assert.ThrowsAsync<WrongExpectedVersionException>(async () => await log.ArchiveStreamAsync("never", ExpectedVersion.Exactly(1), Cancel));
        await log.ArchiveStreamAsync("never", ExpectedVersion.NoStream, Cancel);
        Assert.Equal(new StreamState(0, Deleted: false, Archived: true), await log.GetStreamAsync("never", Cancel));
        Assert.Empty(await log.ReadStreamAsync("never", 1, ReadDirection.Forwards, 10, Cancel));
        await Assert.ThrowsAsync<StreamArchivedException>(async () => await log.AppendAsync("never", ExpectedVersion.NoStream, [Event(1)], null, Cancel));
        Assert.Equal(0, await log.ReadHeadPositionAsync(Cancel));
    }

    /// <summary>An append's publications reach the outbox with it, and a refused append leaves none.</summary>
    [Fact]
    public async Task An_appends_publications_commit_to_the_outbox_with_it_and_a_refused_one_leaves_none()
    {
        IMessageStore store = await OpenAsync();
        MessageRecord[] published = [Record(1, endpoint: ""), Record(2, endpoint: "")];
        await store.Events.AppendAsync("order-9", ExpectedVersion.NoStream, [Event(1), Event(2)], published, Cancel);
        await Assert.ThrowsAsync<WrongExpectedVersionException>(
            async () => await store.Events.AppendAsync("order-9", ExpectedVersion.NoStream, [Event(3)], [Record(3, endpoint: "")], Cancel));

        IReadOnlyList<MessageRecord> relayed = await store.Outbox.ClaimAsync(Long("relay"), 10, Cancel);
        Assert.Equal(2, relayed.Count);
        AssertSame(published[0], relayed[0]);
        AssertSame(published[1], relayed[1]);
        Assert.Equal(2, await store.Events.ReadHeadPositionAsync(Cancel));
    }

    /// <summary>A subscription's checkpoint is kept per name, seen by another process, and never moves back.</summary>
    [Fact]
    public async Task A_checkpoint_is_kept_per_subscription_seen_by_another_process_and_never_moves_back()
    {
        IEventLogStore one = (await OpenAsync()).Events;
        IEventLogStore two = (await OpenAsync()).Events;
        Assert.Equal(0, await one.ReadCheckpointAsync("summaries", Cancel));

        await one.SaveCheckpointAsync("summaries", 40, Cancel);
        await one.SaveCheckpointAsync("audit", 7, Cancel);
        await two.SaveCheckpointAsync("summaries", 12, Cancel); // a late, older save

        Assert.Equal(40, await two.ReadCheckpointAsync("summaries", Cancel));
        Assert.Equal(7, await two.ReadCheckpointAsync("audit", Cancel));
        await two.SaveCheckpointAsync("summaries", 41, Cancel);
        Assert.Equal(41, await one.ReadCheckpointAsync("summaries", Cancel));
    }

    /// <summary>An event with every field set, so a round trip that drops one fails.</summary>
    private static EventRecord Event(int n) => new()
    {
        EventId = Guid.NewGuid(),
        ContractName = "Compliance.Happened",
        ContractVersion = 2,
        CorrelationId = Guid.NewGuid(),
        CausationId = n % 2 == 0 ? Guid.NewGuid() : null,
        Headers = n % 3 == 0 ? null : new Dictionary<string, string>(StringComparer.Ordinal) { ["tenant"] = $"t{n}" },
        Payload = new byte[] { 0x91, (byte)n },
    };

    private static void AssertSameEvent(EventRecord expected, EventRecord actual)
    {
        Assert.Equal(expected.Position, actual.Position);
        Assert.Equal(expected.StreamId, actual.StreamId);
        Assert.Equal(expected.StreamVersion, actual.StreamVersion);
        Assert.Equal(expected.EventId, actual.EventId);
        Assert.Equal(expected.ContractName, actual.ContractName);
        Assert.Equal(expected.ContractVersion, actual.ContractVersion);
        Assert.Equal(expected.CorrelationId, actual.CorrelationId);
        Assert.Equal(expected.CausationId, actual.CausationId);
        Assert.Equal(expected.RecordedAt, actual.RecordedAt);
        Assert.Equal(expected.Headers, actual.Headers);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
    }
}
