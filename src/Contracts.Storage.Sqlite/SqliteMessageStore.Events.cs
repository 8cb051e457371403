using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// The event-log role: appends, deletions and archivings through the writer loop (one writer, so an append's check of its
/// stream's version and its inserts cannot interleave with another's, and group commit batches concurrent appends),
/// reads on pooled connections.
/// </summary>
public sealed partial class SqliteMessageStore : IEventLogStore
{
    private const string EventColumns =
        "position, stream_id, stream_version, event_id, contract, version, correlation_id, causation_id, recorded_at, headers, payload";

    private const string ReadForwardsSql =
        $"SELECT {EventColumns} FROM contracts_events WHERE stream_id = $stream AND stream_version >= $from ORDER BY stream_version LIMIT $limit";

    private const string ReadBackwardsSql =
        $"SELECT {EventColumns} FROM contracts_events WHERE stream_id = $stream AND stream_version <= $from ORDER BY stream_version DESC LIMIT $limit";

    private const string StreamOfSql = "SELECT version, deleted_at, archived_at FROM contracts_streams WHERE stream_id = $stream";

    /// <inheritdoc />
    public IEventLogStore Events => this;

    async ValueTask<long> IEventLogStore.AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken)
    {
        var op = new AppendOp(streamId, expected, events, publish);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return op.Result;
    }

    ValueTask<IReadOnlyList<EventRecord>> IEventLogStore.ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        if (StreamOf(connection, streamId) is { Deleted: true })
        {
            throw new StreamDeletedException(streamId);
        }

        using SqliteCommand command = SqliteSql.Command(connection, direction == ReadDirection.Forwards ? ReadForwardsSql : ReadBackwardsSql, "$stream", "$from", "$limit");
        command.Parameters[0].Value = streamId;
        command.Parameters[1].Value = fromVersion;
        command.Parameters[2].Value = maxCount;
        return ValueTask.FromResult<IReadOnlyList<EventRecord>>(ReadEvents(command));
    }

    ValueTask<IReadOnlyList<EventRecord>> IEventLogStore.ReadAllAsync(long fromPosition, int maxCount, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = SqliteSql.Command(
            connection, $"SELECT {EventColumns} FROM contracts_events WHERE position >= $from ORDER BY position LIMIT $limit", "$from", "$limit");
        command.Parameters[0].Value = fromPosition;
        command.Parameters[1].Value = maxCount;
        return ValueTask.FromResult<IReadOnlyList<EventRecord>>(ReadEvents(command));
    }

    ValueTask<StreamState> IEventLogStore.GetStreamAsync(string streamId, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        return ValueTask.FromResult(StreamOf(connection, streamId));
    }

    ValueTask<long> IEventLogStore.ReadHeadPositionAsync(CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = SqliteSql.Command(connection, "SELECT coalesce(max(position), 0) FROM contracts_events");
        return ValueTask.FromResult((long)command.ExecuteScalar()!);
    }

    ValueTask IEventLogStore.DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) =>
        WriteAsync(new DeleteStreamOp(streamId, expected), cancellationToken);

    ValueTask IEventLogStore.ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) =>
        WriteAsync(new ArchiveStreamOp(streamId, expected), cancellationToken);

    ValueTask<long> IEventLogStore.ReadCheckpointAsync(string subscription, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = SqliteSql.Command(connection, "SELECT position FROM contracts_checkpoints WHERE subscription = $name", "$name");
        command.Parameters[0].Value = subscription;
        return ValueTask.FromResult(command.ExecuteScalar() is long position ? position : 0L);
    }

    ValueTask IEventLogStore.SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken) =>
        WriteAsync(new CheckpointOp(subscription, position), cancellationToken);

    private static StreamState StreamOf(SqliteConnection connection, string streamId)
    {
        using SqliteCommand command = SqliteSql.Command(connection, StreamOfSql, "$stream");
        command.Parameters[0].Value = streamId;
        return ReadStreamState(command);
    }

    private static StreamState ReadStreamState(SqliteCommand command)
    {
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? new StreamState(reader.GetInt64(0), !reader.IsDBNull(1), !reader.IsDBNull(2)) : default;
    }

    private static List<EventRecord> ReadEvents(SqliteCommand command)
    {
        var events = new List<EventRecord>();
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            events.Add(new EventRecord
            {
                Position = reader.GetInt64(0),
                StreamId = reader.GetString(1),
                StreamVersion = reader.GetInt64(2),
                EventId = reader.GetGuid(3),
                ContractName = reader.GetString(4),
                ContractVersion = reader.GetInt32(5),
                CorrelationId = reader.GetGuid(6),
                CausationId = reader.IsDBNull(7) ? null : reader.GetGuid(7),
                RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                Headers = reader.IsDBNull(9) ? null : HeaderCodec.Decode((byte[])reader.GetValue(9)),
                Payload = (byte[])reader.GetValue(10),
            });
        }

        return events;
    }

    /// <summary>Checks the stream's version, inserts the events, moves the stream on and adds the publications: in the writer's transaction.</summary>
    private sealed class AppendOp(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            StreamState state = StateOf(writer, streamId);
            state.ThrowIfCannotAppend(streamId, expected);
            long version = state.Version;
            long now = writer.Time.GetUtcNow().ToUnixTimeMilliseconds();
            SqliteParameterCollection p = writer.InsertEvent.Parameters;
            foreach (EventRecord record in events)
            {
                record.StreamId = streamId;
                record.StreamVersion = ++version;
                record.RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(now);
                p[0].Value = streamId;
                p[1].Value = record.StreamVersion;
                p[2].Value = record.EventId;
                p[3].Value = record.ContractName;
                p[4].Value = record.ContractVersion;
                p[5].Value = record.CorrelationId;
                p[6].Value = record.CausationId is { } causation ? causation : DBNull.Value;
                p[7].Value = now;
                p[8].Value = (object?)HeaderCodec.Encode(record.Headers) ?? DBNull.Value;
                p[9].Value = record.Payload.ToArray();
                record.Position = (long)writer.InsertEvent.ExecuteScalar()!;
            }

            SetStream(writer, streamId, version, deletedAt: null);
            if (publish is not null)
            {
                foreach (MessageRecord message in publish)
                {
                    SqliteSql.Bind(writer.InsertOutbox, message);
                    writer.InsertOutbox.ExecuteNonQuery();
                }
            }

            Result = version;
        }
    }

    private sealed class DeleteStreamOp(string streamId, ExpectedVersion expected) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            StreamState state = StateOf(writer, streamId);
            state.ThrowIfCannotClose(streamId, expected);
            SetStream(writer, streamId, state.Version, writer.Time.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    /// <summary>Marks the stream archived (created empty if missing); an archived stream keeps its first archiving time.</summary>
    private sealed class ArchiveStreamOp(string streamId, ExpectedVersion expected) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            StreamState state = StateOf(writer, streamId);
            state.ThrowIfCannotClose(streamId, expected);
            SqliteCommand command = writer.Scratch;
            command.CommandText =
                "INSERT INTO contracts_streams (stream_id, version, archived_at) VALUES ($stream, $version, $at) " +
                "ON CONFLICT (stream_id) DO UPDATE SET archived_at = coalesce(contracts_streams.archived_at, excluded.archived_at)";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$stream", streamId);
            command.Parameters.AddWithValue("$version", state.Version);
            command.Parameters.AddWithValue("$at", writer.Time.GetUtcNow().ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    private sealed class CheckpointOp(string subscription, long position) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.CommandText =
                "INSERT INTO contracts_checkpoints (subscription, position) VALUES ($name, $position) " +
                "ON CONFLICT (subscription) DO UPDATE SET position = max(position, excluded.position)";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$name", subscription);
            command.Parameters.AddWithValue("$position", position);
            command.ExecuteNonQuery();
        }
    }

    private static StreamState StateOf(Writer writer, string streamId)
    {
        writer.StreamOf.Parameters[0].Value = streamId;
        return ReadStreamState(writer.StreamOf);
    }

    private static void SetStream(Writer writer, string streamId, long version, long? deletedAt)
    {
        SqliteParameterCollection p = writer.SetStream.Parameters;
        p[0].Value = streamId;
        p[1].Value = version;
        p[2].Value = deletedAt is { } at ? at : DBNull.Value;
        writer.SetStream.ExecuteNonQuery();
    }
}
