using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>The store goes away while a delivery is being settled: the row is not stranded under this bus's renewed claim.</summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task A_row_whose_retry_and_release_fail_while_the_store_is_away_is_delivered_again_once_it_answers()
    {
        using var database = new TempDatabase();
        var probe = new Probe { FailTimes = 1 };
        var outage = new Outage();
        await using SqliteBus host = await SqliteBus.StartAsync(
            database,
            s => s.AddSingleton(probe),
            t => t.Endpoint<Flaky>(e =>
            {
                e.Retry.DelayedRetries = 1;
                e.Retry.Delay = TimeSpan.FromMilliseconds(50);
            }),
            options: o =>
            {
                o.ClaimDuration = TimeSpan.FromSeconds(1.5); // the take-over looks every half second
                o.UseStore(_ => new FailingSettles(new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = database.ConnectionString }), outage));
            });

        outage.Away = true;
        await host.Bus.SendAsync(new Flaky(1));
        await Wait.Until(() => outage.Refused >= 2, "the retry and then the release are refused");
        await Task.Delay(700);
        Assert.Empty(probe.Handled);

        outage.Away = false;
        await Wait.For(probe.Done);
        Assert.Equal([1], probe.Handled);
        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "the handled row is removed");
    }

    [Fact]
    public async Task A_row_whose_dead_letter_and_release_fail_while_the_store_is_away_is_delivered_again_once_it_answers()
    {
        using var database = new TempDatabase();
        var probe = new Probe { FailTimes = 1 };
        var outage = new Outage();
        await using SqliteBus host = await SqliteBus.StartAsync(
            database,
            s => s.AddSingleton(probe),
            t => t.Endpoint<Flaky>(e =>
            {
                e.Retry.ImmediateRetries = 0;
                e.Retry.DelayedRetries = 0; // the first failure goes to dead letters
            }),
            options: o =>
            {
                o.ClaimDuration = TimeSpan.FromSeconds(1.5);
                o.UseStore(_ => new FailingSettles(new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = database.ConnectionString }), outage));
            });

        outage.Away = true;
        await host.Bus.SendAsync(new Flaky(1));
        await Wait.Until(() => outage.Refused >= 2, "the dead letter and then the release are refused");
        await Task.Delay(700);
        Assert.Empty(probe.Handled);
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_dead_letters"));

        // Fixed meanwhile: once the store answers, the row that was neither dead-lettered nor released is delivered again.
        probe.FailTimes = 0;
        outage.Away = false;
        await Wait.For(probe.Done);
        Assert.Equal([1], probe.Handled);
        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "the handled row is removed");
    }

    private sealed class Outage
    {
        private int _refused;

        public volatile bool Away;

        public int Refused => Volatile.Read(ref _refused);

        public void ThrowIfAway()
        {
            if (Away)
            {
                Interlocked.Increment(ref _refused);
                throw new InvalidOperationException("The database is away (a test outage).");
            }
        }
    }

    /// <summary>A store whose reschedules, row releases and dead letters fail during an outage; everything else works.</summary>
    private sealed class FailingSettles(SqliteMessageStore inner, Outage outage) : IMessageStore, IQueueStore, IDeadLetterStore
    {
        public StoreCapabilities Capabilities => inner.Capabilities;

        public IQueueStore Queue => this;

        public IInboxStore Inbox => inner.Inbox;

        public IOutboxStore Outbox => inner.Outbox;

        public IDeadLetterStore DeadLetters => this;

        public IEventLogStore Events => inner.Events;

        public ISnapshotStore Snapshots => inner.Snapshots;

        public ISagaStore Sagas => inner.Sagas;

        public IScheduleStore Schedules => inner.Schedules;

        public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public ValueTask<IConsumeTransaction> BeginConsumeAsync(CancellationToken cancellationToken) => inner.BeginConsumeAsync(cancellationToken);

        public ValueTask EnqueueAsync(IReadOnlyList<MessageRecord> records, StoreClaim claim, CancellationToken cancellationToken) =>
            inner.Queue.EnqueueAsync(records, claim, cancellationToken);

        public ValueTask<IReadOnlyList<MessageRecord>> ClaimAsync(IReadOnlyCollection<string> endpoints, StoreClaim claim, int limit, CancellationToken cancellationToken) =>
            inner.Queue.ClaimAsync(endpoints, claim, limit, cancellationToken);

        public ValueTask<int> RenewAsync(StoreClaim claim, CancellationToken cancellationToken) => inner.Queue.RenewAsync(claim, cancellationToken);

        public ValueTask<int> ReleaseAsync(string owner, CancellationToken cancellationToken) => inner.Queue.ReleaseAsync(owner, cancellationToken);

        public ValueTask ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken)
        {
            outage.ThrowIfAway();
            return inner.Queue.ReleaseAsync(records, cancellationToken);
        }

        public ValueTask CompleteAsync(MessageRecord record, CancellationToken cancellationToken) => inner.Queue.CompleteAsync(record, cancellationToken);

        public ValueTask RescheduleAsync(MessageRecord record, CancellationToken cancellationToken)
        {
            outage.ThrowIfAway();
            return inner.Queue.RescheduleAsync(record, cancellationToken);
        }

        public ValueTask AddAsync(DeadLetter letter, CancellationToken cancellationToken)
        {
            outage.ThrowIfAway();
            return inner.DeadLetters.AddAsync(letter, cancellationToken);
        }

        public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId, int limit, CancellationToken cancellationToken) => inner.DeadLetters.ListAsync(afterId, limit, cancellationToken);

        public ValueTask<DeadLetter?> FindAsync(long id, CancellationToken cancellationToken) => inner.DeadLetters.FindAsync(id, cancellationToken);

        public ValueTask<bool> ReplayAsync(long id, MessageRecord requeued, StoreClaim claim, CancellationToken cancellationToken) =>
            inner.DeadLetters.ReplayAsync(id, requeued, claim, cancellationToken);

        public ValueTask<bool> RemoveAsync(long id, CancellationToken cancellationToken) => inner.DeadLetters.RemoveAsync(id, cancellationToken);

        public ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken) => inner.DeadLetters.PurgeAsync(failedBefore, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
