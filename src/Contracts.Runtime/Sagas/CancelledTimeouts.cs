using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace Contracts.Sagas;

/// <summary>
/// The timeouts of sagas that ended in this process while the timeout was still waiting in a timer (the in-memory
/// transport's, the store scheduler's, a relay's): the consume pipeline drops such a delivery before any step runs.
/// The store has deleted their rows with the saga's final state, so after a restart nothing is left to fire; this covers
/// the copy already armed in memory. A timeout kept by a broker's native delay in another process still arrives there,
/// and runs no step (the saga has ended).
/// </summary>
internal sealed class CancelledTimeouts(TimeProvider time)
{
    /// <summary>Past this many, entries long past due (which will not come here any more) are pruned on the next add.</summary>
    private const int PruneAbove = 4096;

    /// <summary>How long after its saga ended a cancelled timeout is still looked for.</summary>
    private static readonly TimeSpan s_maxWait = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _ids = new();

    /// <summary>Whether nothing is cancelled: the pipeline's one check on a delayed delivery.</summary>
    public bool IsEmpty => _ids.IsEmpty;

    /// <summary>Marks the timeouts of a saga that ended at <paramref name="at"/>.</summary>
    public void Add(Guid[] messageIds, DateTimeOffset at)
    {
        foreach (Guid id in messageIds)
        {
            _ids[id] = at;
        }

        if (_ids.Count > PruneAbove)
        {
            // Kept from the end of the saga, not the due time: no time is lost keeping the due times (the ids are enough).
            DateTimeOffset before = time.GetUtcNow() - s_maxWait;
            foreach (KeyValuePair<Guid, DateTimeOffset> entry in _ids)
            {
                if (entry.Value < before)
                {
                    _ids.TryRemove(entry.Key, out _);
                }
            }
        }
    }

    /// <summary>Whether <paramref name="messageId"/> is a cancelled timeout; it is forgotten once it came.</summary>
    public bool TryTake(Guid messageId) => _ids.TryRemove(messageId, out _);
}
