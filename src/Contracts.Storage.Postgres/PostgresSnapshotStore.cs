using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Aggregate snapshots in the schema's <c>snapshots</c> table (migration 8), one row per stream. A save is one upsert
/// that keeps the row of the later version, so processes racing leave the newer snapshot.
/// </summary>
internal sealed class PostgresSnapshotStore : ISnapshotStore
{
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
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
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
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var upsert = new NpgsqlCommand(_upsert, connection);
        upsert.Parameters.Add(PostgresSql.Value(snapshot.StreamId));
        upsert.Parameters.Add(PostgresSql.Value(snapshot.Version));
        upsert.Parameters.Add(PostgresSql.Value(snapshot.StateShape));
        upsert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = snapshot.State.ToArray() });
        upsert.Parameters.Add(PostgresSql.Value(snapshot.TakenAt));
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand(_delete, connection);
        delete.Parameters.Add(PostgresSql.Value(streamId));
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
