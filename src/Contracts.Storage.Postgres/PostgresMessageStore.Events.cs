using System;
using System.Collections.Generic;
using System.Data;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Npgsql;
using NpgsqlTypes;

namespace Contracts.Storage.Postgres;

/// <summary>
/// The event-log role. An append is one transaction: lock the stream's row (writers of one stream take turns), check
/// its version, take the next positions from the head row (held to the commit, so positions follow commit order and
/// have no gaps), insert the events, move the stream on, and add the events' publications to the outbox. A plain
/// append does all of it in one call of the schema's <c>append_events</c> function; an append in an event-log
/// transaction sends the same steps as statements in the caller's transaction.
/// </summary>
public sealed partial class PostgresMessageStore : IEventLogStore
{
    /// <inheritdoc />
    public IEventLogStore Events => this;

    private PostgresEventSql EventSql => PostgresEventSql.For(Schema);

    /// <remarks>
    /// One round trip: a single call of the schema's <c>append_events</c> function (migration 11) in autocommit, so the
    /// check, the positions, the events, the stream's version, the outbox rows and the notification are one statement
    /// and one transaction. A cancelled or failed call rolls all of it back; a refused one writes nothing and returns
    /// the stream's state, which becomes the same exception as in a transaction.
    /// </remarks>
    async ValueTask<long> IEventLogStore.AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        IReadOnlyList<MessageRecord>? outbox = publish is { Count: > 0 } ? publish : null;
        DateTimeOffset recordedAt = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        await using NpgsqlCommand command = _own.CreateCommand(outbox is null ? EventSql.Append : EventSql.AppendPublishing);
        NpgsqlParameterCollection p = command.Parameters;
        p.Add(PostgresSql.Value(streamId));
        p.Add(PostgresSql.Value(expected.Value)); // -1 for any
        p.Add(new NpgsqlParameter<DateTimeOffset> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = recordedAt });
        PostgresAppendColumns.AddEvents(p, events);
        if (outbox is not null)
        {
            PostgresAppendColumns.AddOutbox(p, outbox);
        }

        long version, last;
        bool deleted;
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            version = reader.GetInt64(0);
            last = reader.GetInt64(1);
            deleted = reader.GetBoolean(2);
        }

        if (deleted)
        {
            // Closed for good (the function does not say how): the state says which, and is what the refusal names.
            (await ((IEventLogStore)this).GetStreamAsync(streamId, cancellationToken).ConfigureAwait(false)).ThrowIfCannotAppend(streamId, expected);
            throw new StreamDeletedException(streamId); // not reached: a closed stream stays closed, and the state above throws
        }

        new StreamState(version, Deleted: false).ThrowIfCannotAppend(streamId, expected);
        int n = events.Count;
        for (int i = 0; i < n; i++)
        {
            EventRecord record = events[i];
            record.StreamId = streamId;
            record.StreamVersion = version + 1 + i;
            record.Position = last - n + 1 + i;
            record.RecordedAt = recordedAt;
        }

        return version + n;
    }

    /// <summary>
    /// The append's statements in <paramref name="transaction"/>, which the caller commits (the plain append at once, an
    /// event-log transaction after its projections): sets the records' versions, positions and times. One round trip
    /// for the events: the stream's row is created if missing and locked, then the head, the events and the stream's
    /// version move only if the locked row meets <paramref name="expected"/> (each statement checks it again, so a
    /// failed check writes nothing whether or not the caller commits). Publications follow in a second round trip, once
    /// the check has passed.
    /// </summary>
    internal async ValueTask<long> AppendInAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken)
    {
        PostgresEventSql sql = EventSql;
        int n = events.Count;
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset recordedAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        string[] contracts = new string[n];
        Guid[] ids = new Guid[n], correlations = new Guid[n];
        Guid?[] causations = new Guid?[n];
        int[] contractVersions = new int[n];
        byte[]?[] headers = new byte[]?[n];
        byte[][] payloads = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            EventRecord record = events[i];
            ids[i] = record.EventId;
            contracts[i] = record.ContractName;
            contractVersions[i] = record.ContractVersion;
            correlations[i] = record.CorrelationId;
            causations[i] = record.CausationId;
            headers[i] = HeaderCodec.Encode(record.Headers);
            payloads[i] = record.Payload.ToArray();
        }

        long expectedValue = expected.Value; // -1 for any
        StreamState state;
        long last;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var create = new NpgsqlBatchCommand(sql.CreateStream);
            create.Parameters.Add(PostgresSql.Value(streamId));
            var lockRow = new NpgsqlBatchCommand(sql.LockStream);
            lockRow.Parameters.Add(PostgresSql.Value(streamId));
            var take = new NpgsqlBatchCommand(sql.TakePositions);
            take.Parameters.Add(PostgresSql.Value((long)n));
            take.Parameters.Add(PostgresSql.Value(streamId));
            take.Parameters.Add(PostgresSql.Value(expectedValue));
            var insert = new NpgsqlBatchCommand(sql.InsertEvents);
            NpgsqlParameterCollection p = insert.Parameters;
            p.Add(PostgresSql.Value(streamId));
            p.Add(PostgresSql.Value((long)n));
            p.Add(PostgresSql.Value(expectedValue));
            p.Add(new NpgsqlParameter<DateTimeOffset> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = recordedAt });
            p.Add(Column(ids, NpgsqlDbType.Uuid));
            p.Add(Column(contracts, NpgsqlDbType.Text));
            p.Add(Column(contractVersions, NpgsqlDbType.Integer));
            p.Add(Column(correlations, NpgsqlDbType.Uuid));
            p.Add(Column(causations, NpgsqlDbType.Uuid));
            p.Add(Column(headers, NpgsqlDbType.Bytea));
            p.Add(Column(payloads, NpgsqlDbType.Bytea));
            var advance = new NpgsqlBatchCommand(sql.AdvanceStream);
            advance.Parameters.Add(PostgresSql.Value(streamId));
            advance.Parameters.Add(PostgresSql.Value((long)n));
            advance.Parameters.Add(PostgresSql.Value(expectedValue));
            batch.BatchCommands.Add(create);
            batch.BatchCommands.Add(lockRow);
            batch.BatchCommands.Add(take);
            batch.BatchCommands.Add(insert);
            batch.BatchCommands.Add(advance);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql.NotifyEvents)); // other processes' live subscriptions, at the commit
            await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            state = new StreamState(reader.GetInt64(0), !reader.IsDBNull(1), !reader.IsDBNull(2));
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            last = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.GetInt64(0) : 0;
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
                // The insert's and the stream's errors (a duplicate event, a lost connection) surface here.
            }
        }

        state.ThrowIfCannotAppend(streamId, expected);
        long version = state.Version;
        if (publish is { Count: > 0 })
        {
            await using var outboxBatch = new NpgsqlBatch(connection, transaction);
            foreach (MessageRecord message in publish)
            {
                var outbox = new NpgsqlBatchCommand(_sql.OutboxInsert);
                PostgresSql.AddMessage(outbox.Parameters, message);
                outboxBatch.BatchCommands.Add(outbox);
            }

            outboxBatch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.NotifyOutbox)); // other processes' relays, at the commit
            await outboxBatch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        for (int i = 0; i < n; i++)
        {
            EventRecord record = events[i];
            record.StreamId = streamId;
            record.StreamVersion = version + 1 + i;
            record.Position = last - n + 1 + i;
            record.RecordedAt = recordedAt;
        }

        return version + n;
    }

    async ValueTask<IReadOnlyList<EventRecord>> IEventLogStore.ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = Batch();
        return await ReadStreamInAsync(batch, streamId, fromVersion, direction, maxCount, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A page of a stream, read by <paramref name="batch"/> (on the data source, or on a transaction's connection: then it sees its writes).</summary>
    internal async ValueTask<IReadOnlyList<EventRecord>> ReadStreamInAsync(NpgsqlBatch batch, string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
    {
        PostgresEventSql sql = EventSql;
        var state = new NpgsqlBatchCommand(sql.StreamOf);
        state.Parameters.Add(PostgresSql.Value(streamId));
        var read = new NpgsqlBatchCommand(direction == ReadDirection.Forwards ? sql.ReadForwards : sql.ReadBackwards);
        read.Parameters.Add(PostgresSql.Value(streamId));
        read.Parameters.Add(PostgresSql.Value(fromVersion));
        read.Parameters.Add(PostgresSql.Value(maxCount));
        batch.BatchCommands.Add(state);
        batch.BatchCommands.Add(read);
        await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(1))
        {
            throw new StreamDeletedException(streamId);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        return await ReadEventsAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    async ValueTask<IReadOnlyList<EventRecord>> IEventLogStore.ReadAllAsync(long fromPosition, int maxCount, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(EventSql.ReadAll);
        command.Parameters.Add(PostgresSql.Value(fromPosition));
        command.Parameters.Add(PostgresSql.Value(maxCount));
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadEventsAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    async ValueTask<StreamState> IEventLogStore.GetStreamAsync(string streamId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(EventSql.StreamOf);
        command.Parameters.Add(PostgresSql.Value(streamId));
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new StreamState(reader.GetInt64(0), !reader.IsDBNull(1), !reader.IsDBNull(2)) : default;
    }

    async ValueTask<long> IEventLogStore.ReadHeadPositionAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(EventSql.Head);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    ValueTask IEventLogStore.DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) =>
        CloseStreamAsync(streamId, expected, archive: false, cancellationToken);

    ValueTask IEventLogStore.ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) =>
        CloseStreamAsync(streamId, expected, archive: true, cancellationToken);

    private async ValueTask CloseStreamAsync(string streamId, ExpectedVersion expected, bool archive, CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        await using NpgsqlConnection connection = await OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await CloseStreamInAsync(connection, transaction, streamId, expected, archive, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes or archives <paramref name="streamId"/> in <paramref name="transaction"/>, which the caller commits: the
    /// stream's row is created if missing and locked (appends to it wait for the commit), checked, then marked.
    /// </summary>
    internal async ValueTask CloseStreamInAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, ExpectedVersion expected, bool archive, CancellationToken cancellationToken)
    {
        long version = await LockStreamAsync(connection, transaction, streamId, expected, cancellationToken).ConfigureAwait(false);
        await using NpgsqlBatch batch = new(connection, transaction);
        if (archive)
        {
            var command = new NpgsqlBatchCommand(EventSql.ArchiveStream);
            command.Parameters.Add(PostgresSql.Value(streamId));
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = _time.GetUtcNow() });
            batch.BatchCommands.Add(command);
        }
        else
        {
            batch.BatchCommands.Add(SetStreamCommand(EventSql, streamId, version, _time.GetUtcNow()));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    async ValueTask<long> IEventLogStore.ReadCheckpointAsync(string subscription, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(EventSql.ReadCheckpoint);
        command.Parameters.Add(PostgresSql.Value(subscription));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long position ? position : 0L;
    }

    async ValueTask IEventLogStore.SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(EventSql.SaveCheckpoint);
        command.Parameters.Add(PostgresSql.Value(subscription));
        command.Parameters.Add(PostgresSql.Value(position));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the stream's row if needed and locks it; returns its version once it may be deleted or archived (<see cref="StreamState.ThrowIfCannotClose"/>).</summary>
    private async ValueTask<long> LockStreamAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, ExpectedVersion expected, CancellationToken cancellationToken)
    {
        PostgresEventSql sql = EventSql;
        await using var batch = new NpgsqlBatch(connection, transaction);
        var create = new NpgsqlBatchCommand(sql.CreateStream);
        create.Parameters.Add(PostgresSql.Value(streamId));
        var lockRow = new NpgsqlBatchCommand(sql.LockStream);
        lockRow.Parameters.Add(PostgresSql.Value(streamId));
        batch.BatchCommands.Add(create);
        batch.BatchCommands.Add(lockRow);
        StreamState state;
        await using (NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            state = new StreamState(reader.GetInt64(0), !reader.IsDBNull(1), !reader.IsDBNull(2));
        }

        state.ThrowIfCannotClose(streamId, expected);
        return state.Version;
    }

    private static NpgsqlBatchCommand SetStreamCommand(PostgresEventSql sql, string streamId, long version, DateTimeOffset? deletedAt)
    {
        var command = new NpgsqlBatchCommand(sql.SetStream);
        command.Parameters.Add(PostgresSql.Value(streamId));
        command.Parameters.Add(PostgresSql.Value(version));
        command.Parameters.Add(PostgresSql.Nullable(deletedAt));
        return command;
    }

    private static async ValueTask<IReadOnlyList<EventRecord>> ReadEventsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var events = new List<EventRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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
                RecordedAt = reader.GetFieldValue<DateTimeOffset>(8),
                Headers = reader.IsDBNull(9) ? null : HeaderCodec.Decode(reader.GetFieldValue<byte[]>(9)),
                Payload = reader.GetFieldValue<byte[]>(10),
            });
        }

        return events;
    }

    private static NpgsqlParameter Column<T>(T[] values, NpgsqlDbType element) => new() { NpgsqlDbType = NpgsqlDbType.Array | element, Value = values };
}
