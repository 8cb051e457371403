using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.Logging;

namespace Contracts.EventSourcing;

/// <summary>
/// <see cref="IAggregateStore"/> over the <see cref="IEventStore"/> (reads, appends, publication) and the store's
/// <see cref="ISnapshotStore"/>. Everything an aggregate type needs comes from its generated static definition: no
/// reflection, no lookup by type.
/// </summary>
internal sealed class AggregateStore(ContractsRuntime runtime, EventStore events, TimeProvider time, ILogger logger) : IAggregateStore
{
    public ValueTask<TAggregate> LoadAsync<TAggregate>(string id, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate> =>
        LoadCoreAsync<TAggregate>(id, long.MaxValue, null, null, cancellationToken);

    public ValueTask<TAggregate> LoadAsync<TAggregate>(string id, MessageContext context, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>
    {
        ArgumentNullException.ThrowIfNull(context);
        return LoadCoreAsync<TAggregate>(id, long.MaxValue, null, context, cancellationToken);
    }

    public ValueTask<TAggregate> LoadAsOfAsync<TAggregate>(string id, long version, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        return LoadCoreAsync<TAggregate>(id, version, null, null, cancellationToken);
    }

    public ValueTask<TAggregate> LoadAsOfAsync<TAggregate>(string id, DateTimeOffset time, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate> =>
        LoadCoreAsync<TAggregate>(id, long.MaxValue, time, null, cancellationToken);

    public async ValueTask<long> SaveAsync<TAggregate>(TAggregate aggregate, AppendOptions? options = null, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        if (aggregate.IsHistorical)
        {
            throw new InvalidOperationException(
                $"'{typeof(TAggregate).Name}' {aggregate.Id} was loaded as of version {aggregate.Version}, in the past, and cannot be saved. Load it without a version or time to change it.");
        }

        if (aggregate.StreamId.Length == 0)
        {
            throw new InvalidOperationException(
                $"This '{typeof(TAggregate).Name}' was not loaded by IAggregateStore, so it has no id and no stream. Get it from IAggregateStore.LoadAsync (a new id gives a new aggregate at version 0), raise its events, then save it.");
        }

        if (aggregate.PendingEvents.Count == 0)
        {
            return aggregate.Version;
        }

        long version = await events.AppendAsync(aggregate.StreamId, ExpectedVersion.Exactly(aggregate.Version), aggregate.PendingEvents, options, cancellationToken).ConfigureAwait(false);
        aggregate.Saved(version);
        if (TAggregate.SnapshotEvery > 0 && version - aggregate.SnapshotVersion >= TAggregate.SnapshotEvery)
        {
            await TakeSnapshotAsync(aggregate, options?.Within?.Transaction, cancellationToken).ConfigureAwait(false);
        }

        return version;
    }

    /// <summary>The stream of aggregate <paramref name="id"/>: <c>{name}-{id}</c>.</summary>
    internal static string StreamOf<TAggregate>(string id)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (id.Length > 150)
        {
            throw new ArgumentException($"Aggregate id '{id[..40]}...' is {id.Length} characters long; at most 150 are allowed.", nameof(id));
        }

        return string.Concat(TAggregate.AggregateName, "-", id);
    }

    private async ValueTask<TAggregate> LoadCoreAsync<TAggregate>(string id, long upToVersion, DateTimeOffset? upToTime, MessageContext? context, CancellationToken cancellationToken)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>
    {
        string stream = StreamOf<TAggregate>(id);
        TAggregate aggregate = TAggregate.Create();
        aggregate.Id = id;
        aggregate.StreamId = stream;
        long from = 1;
        if (TAggregate.SnapshotEvery > 0 && await RestoreAsync(aggregate, upToVersion, cancellationToken).ConfigureAwait(false))
        {
            // As of a time, the snapshot's own last event is read again for its time: the snapshot is used only if that
            // event was recorded by then.
            from = upToTime is null ? aggregate.Version + 1 : aggregate.Version;
        }

        bool first = true;
        await foreach (RecordedEvent e in events.ReadStreamAsync(stream, from, upToVersion == long.MaxValue ? long.MaxValue : upToVersion - from + 1, context, cancellationToken).ConfigureAwait(false))
        {
            if (upToTime is { } time && e.RecordedAt > time)
            {
                if (first && aggregate.SnapshotVersion > 0)
                {
                    // The snapshot is newer than the moment asked for: start again without it.
                    return await LoadWithoutSnapshotAsync<TAggregate>(id, stream, time, cancellationToken).ConfigureAwait(false);
                }

                break;
            }

            if (!(first && upToTime is not null && aggregate.SnapshotVersion > 0))
            {
                aggregate.Replay(e.Event, e.StreamVersion);
            }

            first = false;
        }

        aggregate.IsHistorical = upToVersion != long.MaxValue || upToTime is not null;
        return aggregate;
    }

    private async ValueTask<TAggregate> LoadWithoutSnapshotAsync<TAggregate>(string id, string stream, DateTimeOffset time, CancellationToken cancellationToken)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>
    {
        TAggregate aggregate = TAggregate.Create();
        aggregate.Id = id;
        aggregate.StreamId = stream;
        await foreach (RecordedEvent e in events.ReadStreamAsync(stream, 1, long.MaxValue, cancellationToken).ConfigureAwait(false))
        {
            if (e.RecordedAt > time)
            {
                break;
            }

            aggregate.Replay(e.Event, e.StreamVersion);
        }

        aggregate.IsHistorical = true;
        return aggregate;
    }

    /// <summary>Puts the stream's snapshot into <paramref name="aggregate"/> if there is one it can use, of a version up to <paramref name="upToVersion"/>.</summary>
    private async ValueTask<bool> RestoreAsync<TAggregate>(TAggregate aggregate, long upToVersion, CancellationToken cancellationToken)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>
    {
        ISnapshotStore snapshots = await SnapshotsAsync().ConfigureAwait(false);
        SnapshotRecord? snapshot = await snapshots.ReadAsync(aggregate.StreamId, cancellationToken).ConfigureAwait(false);
        if (snapshot is null || snapshot.Version > upToVersion || snapshot.Version < 1)
        {
            return false;
        }

        if (!string.Equals(snapshot.StateShape, TAggregate.StateShape, StringComparison.Ordinal))
        {
            AggregateLog.SnapshotOfAnotherShape(logger, aggregate.StreamId, snapshot.Version, snapshot.StateShape, TAggregate.StateShape);
            return false;
        }

        try
        {
            TAggregate.ReadState(aggregate, snapshot.State);
        }
        catch (Exception ex) when (ex is MessagePack.MessagePackSerializationException or InvalidOperationException)
        {
            // The events are the truth; the snapshot only saves time. The next save past the interval writes a new one.
            AggregateLog.SnapshotUnreadable(logger, aggregate.StreamId, snapshot.Version, typeof(TAggregate).Name, ex);
            return false;
        }

        aggregate.Version = snapshot.Version;
        aggregate.SnapshotVersion = snapshot.Version;
        return true;
    }

    /// <summary>
    /// Saves the aggregate's state as its snapshot: in <paramref name="transaction"/> when its events were appended in
    /// one (a separate write would wait for the write lock the delivery holds, and a snapshot must not outlive events
    /// that are rolled back).
    /// </summary>
    private async ValueTask TakeSnapshotAsync<TAggregate>(TAggregate aggregate, IConsumeTransaction? transaction, CancellationToken cancellationToken)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>
    {
        try
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            TAggregate.WriteState(aggregate, buffer);
            ISnapshotStore snapshots = await SnapshotsAsync().ConfigureAwait(false);
            var snapshot = new SnapshotRecord(aggregate.StreamId, aggregate.Version, TAggregate.StateShape, buffer.WrittenMemory, time.GetUtcNow());
            await (transaction is null ? snapshots.SaveAsync(snapshot, cancellationToken) : snapshots.SaveAsync(snapshot, transaction, cancellationToken)).ConfigureAwait(false);
            aggregate.SnapshotVersion = aggregate.Version;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The events are appended: the save succeeded. A missing snapshot only makes the next loads read more events.
            AggregateLog.SnapshotNotSaved(logger, aggregate.StreamId, aggregate.Version, ex);
        }
    }

    private async ValueTask<ISnapshotStore> SnapshotsAsync()
    {
        await runtime.StoreReadyAsync().ConfigureAwait(false);
        return runtime.Store.Snapshots;
    }
}
