using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// Saga instances in the <c>contracts_sagas</c> table, one row per instance with a version column. In a consume
/// transaction the load starts it (BEGIN IMMEDIATE takes SQLite's one write lock), so steps of one database run one at
/// a time and the state, the inbox row and the outbox rows commit together. Without one, a save is a compare-and-swap on
/// the version in its own transaction; a lost race is a <see cref="SagaConcurrencyException"/>.
/// </summary>
internal sealed class SqliteSagaStore(SqliteMessageStore store) : ISagaStore
{
    private const string Select = "SELECT version, status, data, updated_at FROM contracts_sagas WHERE saga = $saga AND saga_id = $id";
    private const string Insert = "INSERT INTO contracts_sagas (saga, saga_id, version, status, data, updated_at) VALUES ($saga, $id, $version, $status, $data, $at)";
    private const string Update = "UPDATE contracts_sagas SET version = $version, status = $status, data = $data, updated_at = $at WHERE saga = $saga AND saga_id = $id AND version = $expected";

    public async ValueTask<SagaRecord?> LoadAsync(string saga, string sagaId, IConsumeTransaction? transaction, CancellationToken cancellationToken)
    {
        SqliteTransaction? joined = await JoinedAsync(transaction, cancellationToken).ConfigureAwait(false);
        SqliteConnection connection = joined?.Connection ?? store.OpenConnection();
        try
        {
            using SqliteCommand select = SqliteSql.Command(connection, Select, "$saga", "$id");
            select.Transaction = joined;
            select.Parameters[0].Value = saga;
            select.Parameters[1].Value = sagaId;
            using SqliteDataReader reader = select.ExecuteReader();
            return reader.Read() ? Read(saga, sagaId, reader) : null;
        }
        finally
        {
            if (joined is null)
            {
                connection.Dispose();
            }
        }
    }

    public async ValueTask SaveAsync(SagaRecord record, long expectedVersion, IConsumeTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        SqliteTransaction? joined = await JoinedAsync(transaction, cancellationToken).ConfigureAwait(false);
        if (joined is not null)
        {
            Save(joined, record, expectedVersion);
            return;
        }

        using SqliteConnection connection = store.OpenConnection();
        using SqliteTransaction own = connection.BeginTransaction(deferred: false);
        Save(own, record, expectedVersion);
        own.Commit();
    }

    public async ValueTask<int> CancelTimeoutsAsync(IReadOnlyList<Guid> messageIds, IConsumeTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        if (messageIds.Count == 0)
        {
            return 0;
        }

        SqliteTransaction? joined = await JoinedAsync(transaction, cancellationToken).ConfigureAwait(false);
        if (joined is not null)
        {
            return Cancel(joined, messageIds);
        }

        using SqliteConnection connection = store.OpenConnection();
        using SqliteTransaction own = connection.BeginTransaction(deferred: false);
        int deleted = Cancel(own, messageIds);
        own.Commit();
        return deleted;
    }

    public ValueTask<IReadOnlyList<SagaRecord>> ListAsync(string saga, SagaStatus? status, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        using SqliteConnection connection = store.OpenConnection();
        using SqliteCommand list = SqliteSql.Command(
            connection,
            "SELECT version, status, data, updated_at, saga_id FROM contracts_sagas WHERE saga = $saga AND ($status IS NULL OR status = $status) " +
            "ORDER BY updated_at, saga_id LIMIT $limit OFFSET $offset",
            "$saga", "$status", "$limit", "$offset");
        list.Parameters[0].Value = saga;
        list.Parameters[1].Value = status is { } s ? (int)s : DBNull.Value;
        list.Parameters[2].Value = limit;
        list.Parameters[3].Value = offset;
        var records = new List<SagaRecord>();
        using SqliteDataReader reader = list.ExecuteReader();
        while (reader.Read())
        {
            records.Add(Read(saga, reader.GetString(4), reader));
        }

        return ValueTask.FromResult<IReadOnlyList<SagaRecord>>(records);
    }

    private static void Save(SqliteTransaction transaction, SagaRecord record, long expectedVersion)
    {
        SqliteConnection connection = transaction.Connection!;
        bool insert = expectedVersion == 0;
        using SqliteCommand write = insert
            ? SqliteSql.Command(connection, Insert, "$saga", "$id", "$version", "$status", "$data", "$at")
            : SqliteSql.Command(connection, Update, "$saga", "$id", "$version", "$status", "$data", "$at", "$expected");
        write.Transaction = transaction;
        write.Parameters[0].Value = record.Saga;
        write.Parameters[1].Value = record.SagaId;
        write.Parameters[2].Value = record.Version;
        write.Parameters[3].Value = (int)record.Status;
        write.Parameters[4].Value = record.Data.ToArray();
        write.Parameters[5].Value = record.UpdatedAt.ToUnixTimeMilliseconds();
        if (!insert)
        {
            write.Parameters[6].Value = expectedVersion;
        }

        int rows;
        try
        {
            rows = write.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (insert && ex.SqliteErrorCode == 19) // SQLITE_CONSTRAINT: another step created it
        {
            throw new SagaConcurrencyException(record.Saga, record.SagaId, expectedVersion, ex);
        }

        if (rows == 0)
        {
            throw new SagaConcurrencyException(record.Saga, record.SagaId, expectedVersion);
        }
    }

    /// <summary>Deletes queued rows (delayed sends, a transport's durable deliveries) and unrelayed outbox rows of each id.</summary>
    private static int Cancel(SqliteTransaction transaction, IReadOnlyList<Guid> messageIds)
    {
        SqliteConnection connection = transaction.Connection!;
        using SqliteCommand queue = SqliteSql.Command(connection, "DELETE FROM contracts_queue WHERE message_id = $id", "$id");
        using SqliteCommand outbox = SqliteSql.Command(connection, "DELETE FROM contracts_outbox WHERE message_id = $id AND relayed_at IS NULL", "$id");
        queue.Transaction = transaction;
        outbox.Transaction = transaction;
        int deleted = 0;
        for (int i = 0; i < messageIds.Count; i++)
        {
            queue.Parameters[0].Value = messageIds[i];
            outbox.Parameters[0].Value = messageIds[i];
            deleted += queue.ExecuteNonQuery() + outbox.ExecuteNonQuery();
        }

        return deleted;
    }

    private static SagaRecord Read(string saga, string sagaId, SqliteDataReader reader) => new(
        saga,
        sagaId,
        reader.GetInt64(0),
        (SagaStatus)reader.GetInt32(1),
        (byte[])reader.GetValue(2),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));

    /// <summary>The delivery's transaction (its turn on the store's writer, waited for without blocking a thread), or null.</summary>
    private ValueTask<SqliteTransaction?> JoinedAsync(IConsumeTransaction? transaction, CancellationToken cancellationToken) => transaction is null
        ? ValueTask.FromResult<SqliteTransaction?>(null)
        : JoinAsync(SqliteConsumeTransaction.Of(transaction, store, "saga store"), cancellationToken);

    private static async ValueTask<SqliteTransaction?> JoinAsync(SqliteConsumeTransaction transaction, CancellationToken cancellationToken) =>
        await transaction.GetTransactionAsync(cancellationToken).ConfigureAwait(false);
}
