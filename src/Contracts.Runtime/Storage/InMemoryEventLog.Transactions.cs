using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;

namespace Contracts.Storage;

internal sealed partial class InMemoryEventLog
{
    public async ValueTask<IEventLogTransaction> BeginTransactionAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Transaction(this);
    }

    private DateTimeOffset Now() => time.GetUtcNow();

    /// <summary>The version <paramref name="streamId"/> is at, and whether it is deleted, before a transaction's own appends.</summary>
    private StreamState Committed(string streamId)
    {
        lock (_gate)
        {
            return StateOf(_streams.GetValueOrDefault(streamId));
        }
    }

    private long CommittedHead()
    {
        lock (_gate)
        {
            return _all.Count;
        }
    }

    /// <summary>
    /// Holds the writer's turn; appends are checked and numbered at once (nobody else writes meanwhile) and applied,
    /// with checkpoints, only at the commit: a rollback leaves nothing behind.
    /// </summary>
    private sealed class Transaction(InMemoryEventLog log) : IEventLogTransaction
    {
        private readonly List<(string StreamId, ExpectedVersion Expected, IReadOnlyList<EventRecord> Events, IReadOnlyList<MessageRecord>? Publish)> _appends = [];
        private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
        private readonly List<(string Subscription, long? Position)> _checkpoints = [];
        private long _head = -1;
        private bool _done;

        public ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            StreamState state = log.Committed(streamId);
            long version = _versions.TryGetValue(streamId, out long pending) ? pending : state.Version;
            (state with { Version = version }).ThrowIfCannotAppend(streamId, expected);

            if (_head < 0)
            {
                _head = log.CommittedHead();
            }

            DateTimeOffset now = log.Now();
            foreach (EventRecord record in events)
            {
                record.StreamId = streamId;
                record.StreamVersion = ++version;
                record.Position = ++_head;
                record.RecordedAt = now;
            }

            _versions[streamId] = version;
            _appends.Add((streamId, ExpectedVersion.Any, events, publish));
            return ValueTask.FromResult(version);
        }

        public async ValueTask<IReadOnlyList<EventRecord>> ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);

            // This transaction's own appends to the stream, numbered after the committed events (nobody else appends meanwhile).
            var pending = new List<EventRecord>();
            foreach ((string stream, _, IReadOnlyList<EventRecord> events, _) in _appends)
            {
                if (string.Equals(stream, streamId, StringComparison.Ordinal))
                {
                    pending.AddRange(events);
                }
            }

            if (pending.Count == 0)
            {
                return await log.ReadStreamAsync(streamId, fromVersion, direction, maxCount, cancellationToken).ConfigureAwait(false);
            }

            long committed = pending[0].StreamVersion - 1;
            var page = new List<EventRecord>(Math.Min(maxCount, 256));
            if (direction == ReadDirection.Forwards)
            {
                if (fromVersion <= committed)
                {
                    page.AddRange(await log.ReadStreamAsync(streamId, fromVersion, direction, (int)Math.Min(maxCount, committed - fromVersion + 1), cancellationToken).ConfigureAwait(false));
                }

                foreach (EventRecord record in pending)
                {
                    if (page.Count == maxCount)
                    {
                        break;
                    }

                    if (record.StreamVersion >= fromVersion)
                    {
                        page.Add(record);
                    }
                }

                return page;
            }

            for (int i = pending.Count - 1; i >= 0 && page.Count < maxCount; i--)
            {
                if (pending[i].StreamVersion <= fromVersion)
                {
                    page.Add(pending[i]);
                }
            }

            if (page.Count < maxCount && committed >= 1)
            {
                page.AddRange(await log.ReadStreamAsync(streamId, Math.Min(fromVersion, committed), direction, maxCount - page.Count, cancellationToken).ConfigureAwait(false));
            }

            return page;
        }

        public ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            _checkpoints.Add((subscription, position));
            return ValueTask.CompletedTask;
        }

        public ValueTask ResetCheckpointAsync(string subscription, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            _checkpoints.Add((subscription, null));
            return ValueTask.CompletedTask;
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            _done = true;
            try
            {
                foreach ((string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish) in _appends)
                {
                    // Checked when appended, with the writer's turn held since: it cannot fail now.
                    log.Append(streamId, expected, events, publish);
                }

                lock (log._gate)
                {
                    foreach ((string subscription, long? position) in _checkpoints)
                    {
                        if (position is not { } at)
                        {
                            log._checkpoints.Remove(subscription);
                        }
                        else if (at > log._checkpoints.GetValueOrDefault(subscription))
                        {
                            log._checkpoints[subscription] = at;
                        }
                    }
                }
            }
            finally
            {
                log._writer.Release();
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (!_done)
            {
                _done = true;
                log._writer.Release();
            }

            return ValueTask.CompletedTask;
        }
    }
}
