using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// Saga instances in memory, for the life of the process: a compare-and-swap per save, so two steps of one instance
/// at once never lose an update (the second gets <see cref="SagaConcurrencyException"/> and runs again). No locks.
/// </summary>
public sealed class InMemorySagaStore : ISagaStore
{
    private readonly ConcurrentDictionary<(string Saga, string SagaId), SagaRecord> _instances = new();
    private readonly Func<IReadOnlyList<Guid>, int>? _deleteDelayed;

    /// <summary>A saga store on its own, which keeps no delayed messages (a timeout lives in the transport's timers).</summary>
    public InMemorySagaStore()
    {
    }

    /// <summary>The saga role of the in-memory message store, which deletes that store's delayed rows of a cancelled timeout.</summary>
    internal InMemorySagaStore(Func<IReadOnlyList<Guid>, int> deleteDelayed)
    {
        _deleteDelayed = deleteDelayed;
    }

    /// <inheritdoc />
    public ValueTask<SagaRecord?> LoadAsync(string saga, string sagaId, IConsumeTransaction? transaction, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_instances.GetValueOrDefault((saga, sagaId)));

    /// <inheritdoc />
    public ValueTask SaveAsync(SagaRecord record, long expectedVersion, IConsumeTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Version != expectedVersion + 1)
        {
            throw new ArgumentException($"A saved instance has the version read plus one ({expectedVersion + 1}), not {record.Version}.", nameof(record));
        }

        (string, string) key = (record.Saga, record.SagaId);
        bool saved;
        if (expectedVersion == 0)
        {
            saved = _instances.TryAdd(key, record);
        }
        else
        {
            saved = _instances.TryGetValue(key, out SagaRecord? current) && current.Version == expectedVersion && _instances.TryUpdate(key, record, current);
        }

        return saved ? ValueTask.CompletedTask : ValueTask.FromException(new SagaConcurrencyException(record.Saga, record.SagaId, expectedVersion));
    }

    /// <inheritdoc />
    public ValueTask<int> CancelTimeoutsAsync(IReadOnlyList<Guid> messageIds, IConsumeTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        return ValueTask.FromResult(messageIds.Count == 0 || _deleteDelayed is null ? 0 : _deleteDelayed(messageIds));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SagaRecord>> ListAsync(string saga, SagaStatus? status, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var matching = new List<SagaRecord>();
        foreach (SagaRecord record in _instances.Values)
        {
            if (record.Saga == saga && (status is null || record.Status == status))
            {
                matching.Add(record);
            }
        }

        matching.Sort(static (a, b) => a.UpdatedAt != b.UpdatedAt ? a.UpdatedAt.CompareTo(b.UpdatedAt) : string.CompareOrdinal(a.SagaId, b.SagaId));
        int start = Math.Min(offset, matching.Count);
        return ValueTask.FromResult<IReadOnlyList<SagaRecord>>(matching.GetRange(start, Math.Min(limit, matching.Count - start)));
    }
}
