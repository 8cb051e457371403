using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>Snapshots in memory, for the life of the process: one per stream, the newer of two racing saves wins. No locks.</summary>
public sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly ConcurrentDictionary<string, SnapshotRecord> _snapshots = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<SnapshotRecord?> ReadAsync(string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        return ValueTask.FromResult(_snapshots.GetValueOrDefault(streamId));
    }

    /// <inheritdoc />
    public ValueTask SaveAsync(SnapshotRecord snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        // The bytes are copied: the caller may reuse its buffer.
        SnapshotRecord copy = snapshot with { State = snapshot.State.ToArray() };
        while (true)
        {
            if (_snapshots.TryGetValue(snapshot.StreamId, out SnapshotRecord? stored))
            {
                if (stored.Version > snapshot.Version || _snapshots.TryUpdate(snapshot.StreamId, copy, stored))
                {
                    return ValueTask.CompletedTask;
                }
            }
            else if (_snapshots.TryAdd(snapshot.StreamId, copy))
            {
                return ValueTask.CompletedTask;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        _snapshots.TryRemove(streamId, out _);
        return ValueTask.CompletedTask;
    }
}
