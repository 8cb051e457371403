using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;

namespace Contracts.Storage;

/// <summary>
/// The in-memory store's event log, for the life of the process. One lock orders appends: an append checks and
/// extends its stream and the global log in one step, which is what gives positions without gaps. A transaction
/// (<see cref="BeginTransactionAsync"/>) holds the writer's turn from its start to its end, so appends and deletions
/// wait for it, and applies its appends only when it commits.
/// </summary>
internal sealed partial class InMemoryEventLog(TimeProvider time, Action<MessageRecord> addToOutbox) : IEventLogStore
{
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<EventRecord> _all = [];
    private readonly Dictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _checkpoints = new(StringComparer.Ordinal);

    public async ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return Append(streamId, expected, events, publish);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Appends with the writer's turn held.</summary>
    private long Append(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish)
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_gate)
        {
            _streams.TryGetValue(streamId, out Stream? stream);
            StateOf(stream).ThrowIfCannotAppend(streamId, expected);
            long version = stream?.Events.Count ?? 0;
            if (stream is null)
            {
                _streams[streamId] = stream = new Stream();
            }

            foreach (EventRecord record in events)
            {
                record.StreamId = streamId;
                record.StreamVersion = ++version;
                record.Position = _all.Count + 1;
                record.RecordedAt = now;
                _all.Add(record);
                stream.Events.Add(record);
            }

            // Under the log's lock: the outbox gets the events in the log's order.
            if (publish is not null)
            {
                foreach (MessageRecord message in publish)
                {
                    addToOutbox(message);
                }
            }

            return version;
        }
    }

    public ValueTask<IReadOnlyList<EventRecord>> ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
    {
        var page = new List<EventRecord>(Math.Min(maxCount, 256));
        lock (_gate)
        {
            if (!_streams.TryGetValue(streamId, out Stream? stream))
            {
                return ValueTask.FromResult<IReadOnlyList<EventRecord>>(page);
            }

            if (stream.Deleted)
            {
                throw new StreamDeletedException(streamId);
            }

            List<EventRecord> events = stream.Events;
            if (direction == ReadDirection.Forwards)
            {
                for (long v = fromVersion; v <= events.Count && page.Count < maxCount; v++)
                {
                    page.Add(events[(int)v - 1]);
                }
            }
            else
            {
                for (long v = Math.Min(fromVersion, events.Count); v >= 1 && page.Count < maxCount; v--)
                {
                    page.Add(events[(int)v - 1]);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<EventRecord>>(page);
    }

    public ValueTask<IReadOnlyList<EventRecord>> ReadAllAsync(long fromPosition, int maxCount, CancellationToken cancellationToken)
    {
        var page = new List<EventRecord>(Math.Min(maxCount, 256));
        lock (_gate)
        {
            for (long p = fromPosition; p <= _all.Count && page.Count < maxCount; p++)
            {
                page.Add(_all[(int)p - 1]);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<EventRecord>>(page);
    }

    public ValueTask<StreamState> GetStreamAsync(string streamId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(StateOf(_streams.GetValueOrDefault(streamId)));
        }
    }

    public ValueTask<long> ReadHeadPositionAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult((long)_all.Count);
        }
    }

    public async ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Close(streamId, expected).Deleted = true;
        }
        finally
        {
            _writer.Release();
        }
    }

    public async ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Close(streamId, expected).Archived = true;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>The stream, created if missing, once a deletion or an archiving of it may go ahead.</summary>
    private Stream Close(string streamId, ExpectedVersion expected)
    {
        lock (_gate)
        {
            _streams.TryGetValue(streamId, out Stream? stream);
            StateOf(stream).ThrowIfCannotClose(streamId, expected);
            if (stream is null)
            {
                _streams[streamId] = stream = new Stream();
            }

            return stream;
        }
    }

    private static StreamState StateOf(Stream? stream) => stream is null ? default : new StreamState(stream.Events.Count, stream.Deleted, stream.Archived);

    public ValueTask<long> ReadCheckpointAsync(string subscription, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_checkpoints.GetValueOrDefault(subscription));
        }
    }

    public ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (position > _checkpoints.GetValueOrDefault(subscription))
            {
                _checkpoints[subscription] = position;
            }
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Stream
    {
        public List<EventRecord> Events { get; } = [];

        public bool Deleted { get; set; }

        public bool Archived { get; set; }
    }
}
