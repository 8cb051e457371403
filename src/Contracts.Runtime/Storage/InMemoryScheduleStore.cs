using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// Schedules in memory, for the life of the process: one lock around the table, so a firing's compare-and-swap and
/// its outbox rows happen together (schedules fire seldom; this is no hot path).
/// </summary>
internal sealed class InMemoryScheduleStore(Action<MessageRecord> addToOutbox) : IScheduleStore
{
    private readonly SortedDictionary<string, ScheduleRecord> _schedules = new(StringComparer.Ordinal);

    public ValueTask SaveAsync(ScheduleRecord record, bool keepDue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_schedules)
        {
            if (keepDue && _schedules.TryGetValue(record.Id, out ScheduleRecord? stored) && stored.Recurrence == record.Recurrence)
            {
                record = record with { NextDue = stored.NextDue };
            }

            _schedules[record.Id] = record;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<ScheduleRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        lock (_schedules)
        {
            return ValueTask.FromResult(_schedules.GetValueOrDefault(id));
        }
    }

    public ValueTask<IReadOnlyList<ScheduleRecord>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var due = new List<ScheduleRecord>();
        lock (_schedules)
        {
            foreach (ScheduleRecord record in _schedules.Values)
            {
                if (record.NextDue <= now)
                {
                    due.Add(record);
                }
            }
        }

        due.Sort(static (a, b) => a.NextDue != b.NextDue ? a.NextDue.CompareTo(b.NextDue) : string.CompareOrdinal(a.Id, b.Id));
        if (due.Count > limit)
        {
            due.RemoveRange(limit, due.Count - limit);
        }

        return ValueTask.FromResult<IReadOnlyList<ScheduleRecord>>(due);
    }

    public ValueTask<bool> FireAsync(string id, DateTimeOffset due, DateTimeOffset? next, IReadOnlyList<MessageRecord> outbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        lock (_schedules)
        {
            if (!_schedules.TryGetValue(id, out ScheduleRecord? stored) || stored.NextDue != due)
            {
                return ValueTask.FromResult(false);
            }

            if (next is { } nextDue)
            {
                _schedules[id] = stored with { NextDue = nextDue };
            }
            else
            {
                _schedules.Remove(id);
            }

            foreach (MessageRecord record in outbox)
            {
                addToOutbox(record);
            }
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken)
    {
        lock (_schedules)
        {
            return ValueTask.FromResult(_schedules.Remove(id));
        }
    }

    public ValueTask<IReadOnlyList<ScheduleRecord>> ListAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var page = new List<ScheduleRecord>();
        lock (_schedules)
        {
            int index = 0;
            foreach (ScheduleRecord record in _schedules.Values)
            {
                if (index++ >= offset && page.Count < limit)
                {
                    page.Add(record);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<ScheduleRecord>>(page);
    }
}
