using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// The store used when none is configured: dead letters (the newest <see cref="ContractsOptions.MaxInMemoryDeadLetters"/>)
/// and inbox keys in memory, for the life of the process. Not durable: queued and delayed messages live only in
/// the in-memory transport, and everything here is gone after a restart. Use a durable store (UseSqlite) to keep it.
/// </summary>
internal sealed class InMemoryMessageStore(int maxDeadLetters, TimeProvider time) : IMessageStore
{
    private readonly ConcurrentDictionary<(string Endpoint, string Key), DateTimeOffset> _inbox = new();
    private readonly SortedList<long, DeadLetter> _deadLetters = [];
    private long _nextId;

    public bool IsDurable => false;

    public ValueTask<long> InitializeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0L);

    public ValueTask EnqueueAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<IReadOnlyList<MessageRecord>> ReadQueuedAsync(long afterSequence, long upToSequence, int limit, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<MessageRecord>>([]);

    public ValueTask CompleteAsync(string endpoint, MessageRecord? record, string? inboxKey, CancellationToken cancellationToken)
    {
        if (inboxKey is not null)
        {
            _inbox[(endpoint, inboxKey)] = time.GetUtcNow();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RescheduleAsync(MessageRecord record, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        lock (_deadLetters)
        {
            letter.Id = ++_nextId;
            _deadLetters.Add(letter.Id, letter);
            while (_deadLetters.Count > maxDeadLetters)
            {
                _deadLetters.RemoveAt(0);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> IsInInboxAsync(string endpoint, string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_inbox.ContainsKey((endpoint, key)));

    public ValueTask<IConsumeTransaction?> BeginConsumeAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IConsumeTransaction?>(null);

    public ValueTask<int> CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken)
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

    public ValueTask<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(long afterId, int limit, CancellationToken cancellationToken)
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

    public ValueTask<DeadLetter?> FindDeadLetterAsync(long id, CancellationToken cancellationToken)
    {
        lock (_deadLetters)
        {
            return ValueTask.FromResult(_deadLetters.GetValueOrDefault(id));
        }
    }

    public ValueTask<bool> ReplayDeadLetterAsync(long id, MessageRecord requeued, CancellationToken cancellationToken)
    {
        lock (_deadLetters)
        {
            return ValueTask.FromResult(_deadLetters.Remove(id));
        }
    }

    public ValueTask<int> PurgeDeadLettersAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken)
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

    public ValueTask<IReadOnlyList<MessageRecord>> ReadOutboxAsync(int limit, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<MessageRecord>>([]);

    public ValueTask MarkRelayedAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
