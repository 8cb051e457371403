using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;

namespace Contracts.Tests.Aggregates;

/// <summary>A store that forwards every role and counts the events its event log hands out by stream reads, and the snapshot reads.</summary>
public sealed class CountingStore(IMessageStore inner) : IMessageStore
{
    private readonly CountingLog _log = new(inner.Events);

    public long StreamRowsRead => Interlocked.Read(ref _log.Rows);

    public int SnapshotReads => _snapshots.Reads;

    private readonly CountingSnapshots _snapshots = new(inner.Snapshots);

    public void ResetCounts()
    {
        Interlocked.Exchange(ref _log.Rows, 0);
        _snapshots.Reads = 0;
    }

    public StoreCapabilities Capabilities => inner.Capabilities;

    public IQueueStore Queue => inner.Queue;

    public IInboxStore Inbox => inner.Inbox;

    public IOutboxStore Outbox => inner.Outbox;

    public IDeadLetterStore DeadLetters => inner.DeadLetters;

    public IEventLogStore Events => _log;

    public ISnapshotStore Snapshots => _snapshots;

    public ISagaStore Sagas => inner.Sagas;

    public IScheduleStore Schedules => inner.Schedules;

    public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public ValueTask<IConsumeTransaction> BeginConsumeAsync(CancellationToken cancellationToken) => inner.BeginConsumeAsync(cancellationToken);

    public IDisposable OnWork(StoreWork work, Action wake) => inner.OnWork(work, wake);

    public ValueTask PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class CountingSnapshots(ISnapshotStore inner) : ISnapshotStore
    {
        public int Reads;

        public ValueTask<SnapshotRecord?> ReadAsync(string streamId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Reads);
            return inner.ReadAsync(streamId, cancellationToken);
        }

        public ValueTask SaveAsync(SnapshotRecord snapshot, CancellationToken cancellationToken) => inner.SaveAsync(snapshot, cancellationToken);

        public ValueTask SaveAsync(SnapshotRecord snapshot, IConsumeTransaction transaction, CancellationToken cancellationToken) => inner.SaveAsync(snapshot, transaction, cancellationToken);

        public ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken) => inner.DeleteAsync(streamId, cancellationToken);
    }

    private sealed class CountingLog(IEventLogStore inner) : IEventLogStore
    {
        public long Rows;

        public ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken) =>
            inner.AppendAsync(streamId, expected, events, publish, cancellationToken);

        public async ValueTask<IReadOnlyList<EventRecord>> ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
        {
            IReadOnlyList<EventRecord> page = await inner.ReadStreamAsync(streamId, fromVersion, direction, maxCount, cancellationToken);
            Interlocked.Add(ref Rows, page.Count);
            return page;
        }

        public ValueTask<IReadOnlyList<EventRecord>> ReadAllAsync(long fromPosition, int maxCount, CancellationToken cancellationToken) =>
            inner.ReadAllAsync(fromPosition, maxCount, cancellationToken);

        public ValueTask<StreamState> GetStreamAsync(string streamId, CancellationToken cancellationToken) => inner.GetStreamAsync(streamId, cancellationToken);

        public ValueTask<long> ReadHeadPositionAsync(CancellationToken cancellationToken) => inner.ReadHeadPositionAsync(cancellationToken);

        public ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) => inner.DeleteStreamAsync(streamId, expected, cancellationToken);

        public ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) => inner.ArchiveStreamAsync(streamId, expected, cancellationToken);

        public ValueTask<long> ReadCheckpointAsync(string subscription, CancellationToken cancellationToken) => inner.ReadCheckpointAsync(subscription, cancellationToken);

        public ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken) => inner.SaveCheckpointAsync(subscription, position, cancellationToken);

        public ValueTask<IEventLogTransaction> BeginTransactionAsync(CancellationToken cancellationToken) => inner.BeginTransactionAsync(cancellationToken);

        public ValueTask<IEventLogTransaction> JoinAsync(IConsumeTransaction transaction, CancellationToken cancellationToken) => inner.JoinAsync(transaction, cancellationToken);
    }
}
