using System;
using System.Collections.Generic;
using System.Threading;

namespace Contracts.Storage;

/// <summary>The saga role of the in-memory store, and the delete of a saga's cancelled timeouts from its rows.</summary>
internal sealed partial class InMemoryMessageStore
{
    private InMemorySagaStore? _sagas;

    public ISagaStore Sagas => LazyInitializer.EnsureInitialized(ref _sagas, () => new InMemorySagaStore(DeleteDelayed));

    /// <summary>Deletes queued and unrelayed outbox rows of these message ids (a saga's cancelled timeouts).</summary>
    private int DeleteDelayed(IReadOnlyList<Guid> messageIds)
    {
        int deleted = 0;
        foreach (SortedList<long, Row> rows in (ReadOnlySpan<SortedList<long, Row>>)[_queue, _outbox])
        {
            lock (rows)
            {
                for (int i = rows.Count - 1; i >= 0; i--)
                {
                    Row row = rows.Values[i];
                    if (row.RelayedAt is null && Listed(messageIds, row.Record.MessageId))
                    {
                        rows.RemoveAt(i);
                        deleted++;
                    }
                }
            }
        }

        return deleted;

        static bool Listed(IReadOnlyList<Guid> ids, Guid id)
        {
            for (int i = 0; i < ids.Count; i++)
            {
                if (ids[i] == id)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
