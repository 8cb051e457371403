using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

/// <summary>
/// The saga role (<see cref="IMessageStore.Sagas"/>): versions, optimistic concurrency between processes, and a state
/// change that commits with its consume transaction or not at all.
/// </summary>
public abstract partial class StoreCompliance<TFixture>
{
    private static SagaRecord Saga(string id, long version, SagaStatus status = SagaStatus.Running, byte fill = 1, long at = 1_700_000_000_000) =>
        new("Compliance.Saga", id, version, status, Enumerable.Repeat(fill, 300).ToArray(), DateTimeOffset.FromUnixTimeMilliseconds(at));

    private static void AssertSame(SagaRecord expected, SagaRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Saga, actual.Saga);
        Assert.Equal(expected.SagaId, actual.SagaId);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.Data.ToArray(), actual.Data.ToArray());
        Assert.Equal(expected.UpdatedAt, actual.UpdatedAt);
    }

    /// <summary>A new instance is saved at version 1, each step one more; another saga's instance of the same id is another row.</summary>
    [Fact]
    public async Task A_saga_instance_is_saved_and_loaded_version_by_version()
    {
        IMessageStore store = await OpenAsync();
        Assert.Null(await store.Sagas.LoadAsync("Compliance.Saga", "a", null, Cancel));

        await store.Sagas.SaveAsync(Saga("a", 1), 0, null, Cancel);
        AssertSame(Saga("a", 1), await store.Sagas.LoadAsync("Compliance.Saga", "a", null, Cancel));

        await store.Sagas.SaveAsync(Saga("a", 2, SagaStatus.Compensated, fill: 7, at: 1_700_000_000_123), 1, null, Cancel);
        AssertSame(Saga("a", 2, SagaStatus.Compensated, fill: 7, at: 1_700_000_000_123), await store.Sagas.LoadAsync("Compliance.Saga", "a", null, Cancel));
        Assert.Null(await store.Sagas.LoadAsync("Compliance.Other", "a", null, Cancel));
    }

    /// <summary>A save on a version that is no longer stored, or a second start, is refused and changes nothing.</summary>
    [Fact]
    public async Task A_save_on_a_stale_version_is_a_concurrency_conflict_and_changes_nothing()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        await first.Sagas.SaveAsync(Saga("b", 1), 0, null, Cancel);
        await first.Sagas.SaveAsync(Saga("b", 2, fill: 2), 1, null, Cancel);

        await Assert.ThrowsAsync<SagaConcurrencyException>(() => second.Sagas.SaveAsync(Saga("b", 2, fill: 9), 1, null, Cancel).AsTask());
        await Assert.ThrowsAsync<SagaConcurrencyException>(() => second.Sagas.SaveAsync(Saga("b", 1, fill: 9), 0, null, Cancel).AsTask());
        AssertSame(Saga("b", 2, fill: 2), await second.Sagas.LoadAsync("Compliance.Saga", "b", null, Cancel));
    }

    /// <summary>Two processes saving the same version at once: exactly one wins, the other is told.</summary>
    [Fact]
    public async Task Of_two_processes_saving_one_version_at_once_exactly_one_wins()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        for (int round = 0; round < 20; round++)
        {
            string id = $"race-{round}";
            Task<bool> one = Task.Run(() => Saved(first, Saga(id, 1, fill: 1)));
            Task<bool> two = Task.Run(() => Saved(second, Saga(id, 1, fill: 2)));
            bool[] won = await Task.WhenAll(one, two).WaitAsync(Fixture.Timeout, Cancel);
            Assert.Equal(1, won.Count(w => w));
            SagaRecord? stored = await first.Sagas.LoadAsync("Compliance.Saga", id, null, Cancel);
            Assert.Equal(won[0] ? (byte)1 : (byte)2, stored!.Data.Span[0]);
        }

        static async Task<bool> Saved(IMessageStore store, SagaRecord record)
        {
            try
            {
                await store.Sagas.SaveAsync(record, 0, null, Cancel);
                return true;
            }
            catch (SagaConcurrencyException)
            {
                return false;
            }
        }
    }

    /// <summary>In a consume transaction the state commits with the inbox key, and a rollback leaves the instance as it was.</summary>
    [Fact]
    public async Task A_saga_saved_in_a_consume_transaction_commits_with_it_or_not_at_all()
    {
        IMessageStore store = await OpenAsync();
        if ((store.Capabilities & StoreCapabilities.ConsumeTransactions) == 0)
        {
            await store.Sagas.SaveAsync(Saga("c", 1), 0, null, Cancel);
            AssertSame(Saga("c", 1), await store.Sagas.LoadAsync("Compliance.Saga", "c", null, Cancel));
            return;
        }

        await store.Sagas.SaveAsync(Saga("c", 1), 0, null, Cancel);
        await using (IConsumeTransaction rolledBack = await store.BeginConsumeAsync(Cancel))
        {
            AssertSame(Saga("c", 1), await store.Sagas.LoadAsync("Compliance.Saga", "c", rolledBack, Cancel));
            await store.Sagas.SaveAsync(Saga("c", 2, fill: 5), 1, rolledBack, Cancel);
        }

        AssertSame(Saga("c", 1), await store.Sagas.LoadAsync("Compliance.Saga", "c", null, Cancel));

        await using (IConsumeTransaction committed = await store.BeginConsumeAsync(Cancel))
        {
            Assert.Equal(1, (await store.Sagas.LoadAsync("Compliance.Saga", "c", committed, Cancel))!.Version);
            await store.Sagas.SaveAsync(Saga("c", 2, fill: 6), 1, committed, Cancel);
            await committed.CommitAsync("Compliance.Sagas", "step-2", Cancel);
        }

        AssertSame(Saga("c", 2, fill: 6), await store.Sagas.LoadAsync("Compliance.Saga", "c", null, Cancel));
        Assert.True(await store.Inbox.ContainsAsync("Compliance.Sagas", "step-2", Cancel));
    }

    /// <summary>Instances list by saga and status, oldest update first, a page at a time.</summary>
    [Fact]
    public async Task Saga_instances_are_listed_by_status_oldest_update_first()
    {
        IMessageStore store = await OpenAsync();
        await store.Sagas.SaveAsync(Saga("l3", 1, SagaStatus.Completed, at: 1_700_000_000_300), 0, null, Cancel);
        await store.Sagas.SaveAsync(Saga("l1", 1, SagaStatus.Completed, at: 1_700_000_000_100), 0, null, Cancel);
        await store.Sagas.SaveAsync(Saga("l2", 1, SagaStatus.Running, at: 1_700_000_000_200), 0, null, Cancel);
        await store.Sagas.SaveAsync(new SagaRecord("Compliance.Other", "l0", 1, SagaStatus.Completed, new byte[] { 1 }, DateTimeOffset.UnixEpoch), 0, null, Cancel);

        IReadOnlyList<SagaRecord> all = await store.Sagas.ListAsync("Compliance.Saga", null, 0, 10, Cancel);
        Assert.Equal(["l1", "l2", "l3"], all.Select(r => r.SagaId));
        IReadOnlyList<SagaRecord> completed = await store.Sagas.ListAsync("Compliance.Saga", SagaStatus.Completed, 0, 10, Cancel);
        Assert.Equal(["l1", "l3"], completed.Select(r => r.SagaId));
        IReadOnlyList<SagaRecord> page = await store.Sagas.ListAsync("Compliance.Saga", null, 1, 1, Cancel);
        Assert.Equal(["l2"], page.Select(r => r.SagaId));
    }

    /// <summary>
    /// An ended saga's timeouts are deleted where the store keeps them (a queued delayed row, an outbox row not yet
    /// relayed), with its final state in one consume transaction where the store has them (a rollback keeps them);
    /// other rows and a relayed row stay.
    /// </summary>
    [Fact]
    public async Task An_ended_sagas_timeouts_are_deleted_with_its_final_state()
    {
        IMessageStore store = await OpenAsync();
        string[] endpoint = ["Compliance.Timeouts"];
        MessageRecord queuedTimeout = Delayed(Record(1, endpoint[0]));
        MessageRecord queuedOther = Delayed(Record(2, endpoint[0]));
        MessageRecord outboxTimeout = Delayed(Record(3, ""));
        MessageRecord outboxOther = Delayed(Record(4, ""));
        await store.Queue.EnqueueAsync([queuedTimeout, queuedOther], Long("t"), Cancel);
        await Fixture.CommitToOutboxAsync(store, outboxTimeout).WaitAsync(Fixture.Timeout, Cancel);
        await Fixture.CommitToOutboxAsync(store, outboxOther).WaitAsync(Fixture.Timeout, Cancel);
        await store.Sagas.SaveAsync(Saga("t", 1), 0, null, Cancel);
        Guid[] timeouts = [queuedTimeout.MessageId, outboxTimeout.MessageId, Guid.NewGuid()];

        if ((store.Capabilities & StoreCapabilities.ConsumeTransactions) != 0)
        {
            await using (IConsumeTransaction rolledBack = await store.BeginConsumeAsync(Cancel))
            {
                await store.Sagas.LoadAsync("Compliance.Saga", "t", rolledBack, Cancel);
                await store.Sagas.SaveAsync(Saga("t", 2, SagaStatus.Completed), 1, rolledBack, Cancel);
                Assert.Equal(2, await store.Sagas.CancelTimeoutsAsync(timeouts, rolledBack, Cancel));
            }

            Assert.Equal(["key-1", "key-2"], await QueuedKeysAsync(store, endpoint));
            await using IConsumeTransaction committed = await store.BeginConsumeAsync(Cancel);
            await store.Sagas.LoadAsync("Compliance.Saga", "t", committed, Cancel);
            await store.Sagas.SaveAsync(Saga("t", 2, SagaStatus.Completed), 1, committed, Cancel);
            Assert.Equal(2, await store.Sagas.CancelTimeoutsAsync(timeouts, committed, Cancel));
            await committed.CommitAsync("Compliance.Sagas", "end-t", Cancel);
        }
        else
        {
            await store.Sagas.SaveAsync(Saga("t", 2, SagaStatus.Completed), 1, null, Cancel);
            Assert.Equal(2, await store.Sagas.CancelTimeoutsAsync(timeouts, null, Cancel));
        }

        Assert.Equal(["key-2"], await QueuedKeysAsync(store, endpoint));
        IReadOnlyList<MessageRecord> outbox = await store.Outbox.ClaimAsync(Long("relay"), 100, Cancel);
        Assert.Equal(["key-4"], outbox.Select(r => r.IdempotencyKey));
        Assert.Equal(SagaStatus.Completed, (await store.Sagas.LoadAsync("Compliance.Saga", "t", null, Cancel))!.Status);

        await store.Outbox.MarkRelayedAsync(outbox, Cancel);
        Assert.Equal(0, await store.Sagas.CancelTimeoutsAsync([outboxOther.MessageId], null, Cancel)); // relayed: not the store's any more
        Assert.Equal(0, await store.Sagas.CancelTimeoutsAsync([], null, Cancel));

        static MessageRecord Delayed(MessageRecord record)
        {
            record.DueAt = DateTimeOffset.UtcNow + TimeSpan.FromHours(1);
            return record;
        }

        static async Task<string[]> QueuedKeysAsync(IMessageStore store, string[] endpoint)
        {
            await store.Queue.ReleaseAsync("t", Cancel);
            IReadOnlyList<MessageRecord> rows = await store.Queue.ClaimAsync(endpoint, Long("t"), 100, Cancel);
            return rows.Select(r => r.IdempotencyKey!).ToArray();
        }
    }
}
