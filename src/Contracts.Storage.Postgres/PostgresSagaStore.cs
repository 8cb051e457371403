using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Saga instances in the schema's <c>sagas</c> table, one row per instance with a version column. In a consume
/// transaction the load locks the row (<c>FOR UPDATE</c>), so steps of one instance in several processes run one after
/// another and the state, the inbox row and the outbox rows commit together; two steps that both start an instance
/// meet at the primary key, and the second rolls back with a <see cref="SagaConcurrencyException"/> and runs again.
/// Without a transaction a save is a compare-and-swap on the version.
/// </summary>
internal sealed class PostgresSagaStore : ISagaStore
{
    private readonly PostgresMessageStore _store;
    private readonly string _select;
    private readonly string _insert;
    private readonly string _update;
    private readonly string _list;
    private readonly string _cancel;

    public PostgresSagaStore(PostgresMessageStore store)
    {
        _store = store;
        string table = PostgresSql.Quote(store.Sql.Schema) + ".sagas";
        _select = $"SELECT version, status, data, updated_at FROM {table} WHERE saga = $1 AND saga_id = $2";
        _insert = $"INSERT INTO {table} (saga, saga_id, version, status, data, updated_at) VALUES ($1, $2, $3, $4, $5, $6)";
        _update = $"UPDATE {table} SET version = $3, status = $4, data = $5, updated_at = $6 WHERE saga = $1 AND saga_id = $2 AND version = $7";
        string schema = PostgresSql.Quote(store.Sql.Schema);
        _cancel = $"WITH q AS (DELETE FROM {schema}.queue WHERE message_id = ANY($1) RETURNING 1), " +
            $"o AS (DELETE FROM {schema}.outbox WHERE message_id = ANY($1) AND relayed_at IS NULL RETURNING 1) " +
            "SELECT (SELECT count(*) FROM q) + (SELECT count(*) FROM o)";
        _list = $"SELECT version, status, data, updated_at, saga_id FROM {table} WHERE saga = $1 AND ($2::integer IS NULL OR status = $2) ORDER BY updated_at, saga_id LIMIT $3 OFFSET $4";
    }

    public async ValueTask<SagaRecord?> LoadAsync(string saga, string sagaId, IConsumeTransaction? transaction, CancellationToken cancellationToken)
    {
        NpgsqlTransaction? joined = await JoinedAsync(transaction, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection = joined?.Connection ?? await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var select = new NpgsqlCommand(joined is null ? _select : _select + " FOR UPDATE", connection, joined);
            select.Parameters.Add(PostgresSql.Value(saga));
            select.Parameters.Add(PostgresSql.Value(sagaId));
            await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(saga, sagaId, reader) : null;
        }
        finally
        {
            if (joined is null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async ValueTask SaveAsync(SagaRecord record, long expectedVersion, IConsumeTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        NpgsqlTransaction? joined = await JoinedAsync(transaction, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection = joined?.Connection ?? await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool insert = expectedVersion == 0;
            await using var write = new NpgsqlCommand(insert ? _insert : _update, connection, joined);
            write.Parameters.Add(PostgresSql.Value(record.Saga));
            write.Parameters.Add(PostgresSql.Value(record.SagaId));
            write.Parameters.Add(PostgresSql.Value(record.Version));
            write.Parameters.Add(PostgresSql.Value((int)record.Status));
            write.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = record.Data.ToArray() });
            write.Parameters.Add(PostgresSql.Value(record.UpdatedAt));
            if (!insert)
            {
                write.Parameters.Add(PostgresSql.Value(expectedVersion));
            }

            int rows;
            try
            {
                rows = await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (insert && ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new SagaConcurrencyException(record.Saga, record.SagaId, expectedVersion, ex);
            }

            if (rows == 0)
            {
                throw new SagaConcurrencyException(record.Saga, record.SagaId, expectedVersion);
            }
        }
        finally
        {
            if (joined is null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async ValueTask<int> CancelTimeoutsAsync(IReadOnlyList<Guid> messageIds, IConsumeTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        if (messageIds.Count == 0)
        {
            return 0;
        }

        var ids = new Guid[messageIds.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = messageIds[i];
        }

        NpgsqlTransaction? joined = await JoinedAsync(transaction, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection = joined?.Connection ?? await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One statement: without a transaction it commits on its own, queue and outbox together.
            await using var cancel = new NpgsqlCommand(_cancel, connection, joined);
            cancel.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = ids });
            object? deleted = await cancel.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return Convert.ToInt32(deleted, System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            if (joined is null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async ValueTask<IReadOnlyList<SagaRecord>> ListAsync(string saga, SagaStatus? status, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await using NpgsqlConnection connection = await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using var list = new NpgsqlCommand(_list, connection);
        list.Parameters.Add(PostgresSql.Value(saga));
        list.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = status is { } s ? (int)s : DBNull.Value });
        list.Parameters.Add(PostgresSql.Value(limit));
        list.Parameters.Add(PostgresSql.Value(offset));
        var records = new List<SagaRecord>();
        await using NpgsqlDataReader reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(Read(saga, reader.GetString(4), reader));
        }

        return records;
    }

    private static SagaRecord Read(string saga, string sagaId, NpgsqlDataReader reader) => new(
        saga,
        sagaId,
        reader.GetInt64(0),
        (SagaStatus)reader.GetInt32(1),
        (byte[])reader.GetValue(2),
        reader.GetFieldValue<DateTimeOffset>(3));

    private async ValueTask<NpgsqlTransaction?> JoinedAsync(IConsumeTransaction? transaction, CancellationToken cancellationToken) =>
        transaction is null ? null : await PostgresConsumeTransaction.Of(transaction, _store, "saga store").GetTransactionAsync(cancellationToken).ConfigureAwait(false);
}
