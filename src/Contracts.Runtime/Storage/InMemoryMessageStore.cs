using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// The store used when none is configured: every role in memory, for the life of the process (dead letters capped at
/// <see cref="ContractsOptions.MaxInMemoryDeadLetters"/>, the oldest go first). Not durable, so the in-memory
/// transport keeps its queues in its channels and never stores them here; the queue and outbox roles still behave as
/// a shared store's would (claims and all), so the store compliance suite holds for it too. Use a durable store
/// (UseSqlite) to keep anything across a restart.
/// </summary>
internal sealed partial class InMemoryMessageStore(int maxDeadLetters, TimeProvider time) : IMessageStore, IQueueStore, IInboxStore, IOutboxStore, IDeadLetterStore
{
    private readonly ConcurrentDictionary<(string Endpoint, string Key), DateTimeOffset> _inbox = new();
    private readonly SortedList<long, DeadLetter> _deadLetters = [];
    private readonly SortedList<long, Row> _queue = [];
    private readonly SortedList<long, Row> _outbox = [];
    private long _nextId;
    private InMemoryEventLog? _events;
    private InMemoryScheduleStore? _schedules;

    public StoreCapabilities Capabilities => StoreCapabilities.None;

    public IQueueStore Queue => this;

    public IInboxStore Inbox => this;

    public IOutboxStore Outbox => this;

    public IDeadLetterStore DeadLetters => this;

    public IEventLogStore Events => LazyInitializer.EnsureInitialized(ref _events, () => new InMemoryEventLog(time, AddToOutbox));

    public IScheduleStore Schedules => LazyInitializer.EnsureInitialized(ref _schedules, () => new InMemoryScheduleStore(AddToOutbox));

    public ISnapshotStore Snapshots { get; } = new InMemorySnapshotStore();

    public ValueTask InitializeAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<IConsumeTransaction> BeginConsumeAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException("The in-memory store has no consume transactions; the inbox key is recorded after the handler succeeded.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A stored row and who holds it.</summary>
    private sealed class Row(MessageRecord record)
    {
        public MessageRecord Record { get; } = record;

        public string? Owner { get; set; }

        public DateTimeOffset Until { get; set; }

        public DateTimeOffset? RelayedAt { get; set; }

        public int Deliveries { get; set; }

        public bool IsFree(DateTimeOffset now) => Owner is null || Until < now;

        /// <summary>Gives the claim up; a row given back was not handled, so its claim is not counted as a delivery.</summary>
        public void Release()
        {
            Owner = null;
            Deliveries = Math.Max(Deliveries - 1, 0);
        }
    }

    ValueTask IQueueStore.EnqueueAsync(IReadOnlyList<MessageRecord> records, StoreClaim claim, CancellationToken cancellationToken)
    {
        lock (_queue)
        {
            foreach (MessageRecord record in records)
            {
                record.Sequence = Interlocked.Increment(ref _nextId);
                _queue.Add(record.Sequence, new Row(Copy(record, deliveries: 0)) { Owner = claim.Owner, Until = claim.Until });
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<MessageRecord>> ClaimAsync(IReadOnlyCollection<string> endpoints, StoreClaim claim, int limit, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Claim(_queue, endpoints, claim, limit, unrelayedOnly: false));

    public ValueTask<IReadOnlyList<MessageRecord>> ClaimAsync(StoreClaim claim, int limit, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Claim(_outbox, endpoints: null, claim, limit, unrelayedOnly: true));

    private IReadOnlyList<MessageRecord> Claim(SortedList<long, Row> rows, IReadOnlyCollection<string>? endpoints, StoreClaim claim, int limit, bool unrelayedOnly)
    {
        DateTimeOffset now = time.GetUtcNow();
        var claimed = new List<MessageRecord>();
        lock (rows)
        {
            foreach (Row row in rows.Values)
            {
                if (claimed.Count == limit)
                {
                    break;
                }

                if (row.IsFree(now) && !(unrelayedOnly && row.RelayedAt is not null) && (endpoints is null || Contains(endpoints, row.Record.Endpoint)))
                {
                    row.Owner = claim.Owner;
                    row.Until = claim.Until;
                    row.Deliveries++;
                    claimed.Add(Copy(row.Record, row.Deliveries));
                }
            }
        }

        return claimed;
    }

    private static bool Contains(IReadOnlyCollection<string> endpoints, string endpoint)
    {
        foreach (string candidate in endpoints)
        {
            if (string.Equals(candidate, endpoint, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Rows are kept and handed out as copies: a row changes only through the store, as it would in a database.</summary>
    private static MessageRecord Copy(MessageRecord record, int deliveries)
    {
        MessageRecord copy = record.CopyFor(record.Endpoint);
        copy.Sequence = record.Sequence;
        copy.Deliveries = deliveries;
        return copy;
    }

    public ValueTask<int> RenewAsync(StoreClaim claim, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ForOwner(claim.Owner, row => row.Until = claim.Until));

    public ValueTask<int> ReleaseAsync(string owner, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ForOwner(owner, static row => row.Release()));

    private int ForOwner(string owner, Action<Row> change)
    {
        int count = 0;
        foreach (SortedList<long, Row> rows in (ReadOnlySpan<SortedList<long, Row>>)[_queue, _outbox])
        {
            lock (rows)
            {
                foreach (Row row in rows.Values)
                {
                    if (row.Owner == owner)
                    {
                        change(row);
                        count++;
                    }
                }
            }
        }

        return count;
    }

    ValueTask IQueueStore.ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) => Release(_queue, records);

    ValueTask IOutboxStore.ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) => Release(_outbox, records);

    private static ValueTask Release(SortedList<long, Row> rows, IReadOnlyList<MessageRecord> records)
    {
        lock (rows)
        {
            foreach (MessageRecord record in records)
            {
                if (rows.TryGetValue(record.Sequence, out Row? row))
                {
                    row.Release();
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    ValueTask IQueueStore.CompleteAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        lock (_queue)
        {
            _queue.Remove(record.Sequence);
        }

        return ValueTask.CompletedTask;
    }

    ValueTask IQueueStore.RescheduleAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        lock (_queue)
        {
            if (_queue.TryGetValue(record.Sequence, out Row? row))
            {
                MessageRecord stored = row.Record;
                stored.Attempt = record.Attempt;
                stored.DueAt = record.DueAt;
                stored.FirstFailedAt = record.FirstFailedAt;
                stored.LastError = record.LastError;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> ContainsAsync(string endpoint, string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_inbox.ContainsKey((endpoint, key)));

    public ValueTask AddAsync(string endpoint, string key, CancellationToken cancellationToken)
    {
        _inbox[(endpoint, key)] = time.GetUtcNow();
        return ValueTask.CompletedTask;
    }

    ValueTask<int> IInboxStore.CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        int removed = 0;
        foreach (KeyValuePair<(string, string), DateTimeOffset> entry in _inbox)
        {
            if (entry.Value < before && _inbox.TryRemove(entry.Key, out _))
            {
                removed++;
            }
        }

        return ValueTask.FromResult(removed);
    }

    /// <summary>Adds a committed outbox row (the in-memory store has no transactions to write it in).</summary>
    internal void AddToOutbox(MessageRecord record)
    {
        lock (_outbox)
        {
            record.Sequence = Interlocked.Increment(ref _nextId);
            _outbox.Add(record.Sequence, new Row(Copy(record, deliveries: 0)));
        }
    }

    public ValueTask MarkRelayedAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_outbox)
        {
            foreach (MessageRecord record in records)
            {
                if (_outbox.TryGetValue(record.Sequence, out Row? row))
                {
                    row.RelayedAt = now;
                    row.Owner = null;
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    ValueTask<int> IOutboxStore.CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var doomed = new List<long>();
        lock (_outbox)
        {
            foreach (KeyValuePair<long, Row> entry in _outbox)
            {
                if (entry.Value.RelayedAt < before)
                {
                    doomed.Add(entry.Key);
                }
            }

            foreach (long sequence in doomed)
            {
                _outbox.Remove(sequence);
            }
        }

        return ValueTask.FromResult(doomed.Count);
    }

    ValueTask IDeadLetterStore.AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        if (letter.Message.Sequence > 0)
        {
            lock (_queue)
            {
                _queue.Remove(letter.Message.Sequence);
            }
        }

        lock (_deadLetters)
        {
            letter.Id = Interlocked.Increment(ref _nextId);
            _deadLetters.Add(letter.Id, letter);
            while (_deadLetters.Count > maxDeadLetters)
            {
                _deadLetters.RemoveAt(0);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        var page = new List<DeadLetter>();
        lock (_deadLetters)
        {
            foreach (KeyValuePair<long, DeadLetter> entry in _deadLetters)
            {
                if (entry.Key > afterId && page.Count < limit)
                {
                    page.Add(entry.Value);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<DeadLetter>>(page);
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        lock (_deadLetters)
        {
            return ValueTask.FromResult((long)_deadLetters.Count);
        }
    }

    /// <summary>Memory always answers.</summary>
    public ValueTask PingAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<DeadLetter?> FindAsync(long id, CancellationToken cancellationToken)
    {
        lock (_deadLetters)
        {
            return ValueTask.FromResult(_deadLetters.GetValueOrDefault(id));
        }
    }

    public async ValueTask<bool> ReplayAsync(long id, MessageRecord requeued, StoreClaim claim, CancellationToken cancellationToken)
    {
        if (!await RemoveAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await ((IQueueStore)this).EnqueueAsync([requeued], claim, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public ValueTask<bool> RemoveAsync(long id, CancellationToken cancellationToken)
    {
        lock (_deadLetters)
        {
            return ValueTask.FromResult(_deadLetters.Remove(id));
        }
    }

    public ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken)
    {
        lock (_deadLetters)
        {
            var doomed = new List<long>();
            foreach (KeyValuePair<long, DeadLetter> entry in _deadLetters)
            {
                if (failedBefore is null || entry.Value.LastFailedAt < failedBefore)
                {
                    doomed.Add(entry.Key);
                }
            }

            foreach (long id in doomed)
            {
                _deadLetters.Remove(id);
            }

            return ValueTask.FromResult(doomed.Count);
        }
    }
}
