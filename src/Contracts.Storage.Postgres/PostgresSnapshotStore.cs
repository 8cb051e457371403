using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Aggregate snapshots in the schema's <c>snapshots</c> table (migration 8), one row per stream. A save is one upsert
/// that keeps the row of the later version, so processes racing leave the newer snapshot; in a delivery's consume
/// transaction, in a savepoint on its connection.
/// </summary>
internal sealed class PostgresSnapshotStore : ISnapshotStore
{
    /// <summary>The savepoint of a snapshot written in a delivery's transaction.</summary>
    private const string SnapshotSavepointName = "contracts_snapshot";
    private const string SnapshotSavepoint = "SAVEPOINT " + SnapshotSavepointName;

    private readonly PostgresMessageStore _store;
    private readonly string _select;
    private readonly string _upsert;
    private readonly string _delete;

    public PostgresSnapshotStore(PostgresMessageStore store)
    {
        _store = store;
        string table = PostgresSql.Quote(store.Sql.Schema) + ".snapshots";
        _select = $"SELECT version, state_shape, state, taken_at FROM {table} WHERE stream_id = $1";
        _upsert = $"INSERT INTO {table} AS s (stream_id, version, state_shape, state, taken_at) VALUES ($1, $2, $3, $4, $5) " +
            "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state_shape = excluded.state_shape, state = excluded.state, taken_at = excluded.taken_at " +
            "WHERE excluded.version >= s.version";
        _delete = $"DELETE FROM {table} WHERE stream_id = $1";
    }

    public async ValueTask<SnapshotRecord?> ReadAsync(string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        await using NpgsqlConnection connection = await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(_select, connection);
        select.Parameters.Add(PostgresSql.Value(streamId));
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new SnapshotRecord(streamId, reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2), reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    public async ValueTask SaveAsync(SnapshotRecord snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await using NpgsqlConnection connection = await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using var upsert = new NpgsqlCommand(_upsert, connection);
        AddParameters(upsert.Parameters, snapshot);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SaveAsync(SnapshotRecord snapshot, IConsumeTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        PostgresConsumeTransaction consume = PostgresConsumeTransaction.Of(transaction, _store, "snapshot store");

        // In a savepoint, sent with the upsert: a failed statement would abort the delivery's whole transaction, and a
        // snapshot is worth no more than the time it saves.
        NpgsqlTransaction joined = await consume.GetTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(joined.Connection!, joined);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(SnapshotSavepoint));
        var upsert = new NpgsqlBatchCommand(_upsert);
        AddParameters(upsert.Parameters, snapshot);
        batch.BatchCommands.Add(upsert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("RELEASE " + SnapshotSavepointName));
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException)
        {
            await joined.RollbackAsync(SnapshotSavepointName, CancellationToken.None).ConfigureAwait(false);
            await joined.ReleaseAsync(SnapshotSavepointName, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        await using NpgsqlConnection connection = await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand(_delete, connection);
        delete.Parameters.Add(PostgresSql.Value(streamId));
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddParameters(NpgsqlParameterCollection parameters, SnapshotRecord snapshot)
    {
        parameters.Add(PostgresSql.Value(snapshot.StreamId));
        parameters.Add(PostgresSql.Value(snapshot.Version));
        parameters.Add(PostgresSql.Value(snapshot.StateShape));
        parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = snapshot.State.ToArray() });
        parameters.Add(PostgresSql.Value(snapshot.TakenAt));
    }
}
