using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// Aggregate snapshots in the <c>contracts_snapshots</c> table, one row per stream. A save is one upsert that keeps the
/// row of the later version, so two writers racing leave the newer snapshot; it runs on its own connection (WAL lets it
/// beside the writer loop; the busy timeout waits out a commit in progress), or in a delivery's consume transaction on the
/// writer's connection.
/// </summary>
internal sealed class SqliteSnapshotStore(SqliteMessageStore store) : ISnapshotStore
{
    private const string Select = "SELECT version, state_shape, state, taken_at FROM contracts_snapshots WHERE stream_id = $stream";
    private const string Upsert =
        "INSERT INTO contracts_snapshots (stream_id, version, state_shape, state, taken_at) VALUES ($stream, $version, $shape, $state, $at) " +
        "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state_shape = excluded.state_shape, state = excluded.state, taken_at = excluded.taken_at " +
        "WHERE excluded.version >= contracts_snapshots.version";
    private const string Delete = "DELETE FROM contracts_snapshots WHERE stream_id = $stream";

    public ValueTask<SnapshotRecord?> ReadAsync(string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        cancellationToken.ThrowIfCancellationRequested();
        using SqliteConnection connection = store.OpenConnection();
        using SqliteCommand select = SqliteSql.Command(connection, Select, "$stream");
        select.Parameters[0].Value = streamId;
        using SqliteDataReader reader = select.ExecuteReader();
        return ValueTask.FromResult(reader.Read()
            ? new SnapshotRecord(streamId, reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            : null);
    }

    public ValueTask SaveAsync(SnapshotRecord snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        cancellationToken.ThrowIfCancellationRequested();
        using SqliteConnection connection = store.OpenConnection();
        using SqliteCommand upsert = SqliteSql.Command(connection, Upsert, "$stream", "$version", "$shape", "$state", "$at");
        Bind(upsert, snapshot);
        upsert.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public async ValueTask SaveAsync(SnapshotRecord snapshot, IConsumeTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);

        // On the writer's connection, in the delivery's turn: a connection of its own would wait for the write lock the
        // delivery's batch holds. One statement: if it fails, SQLite undoes it alone.
        SqliteTransaction joined = await SqliteConsumeTransaction.Of(transaction, store, "snapshot store").GetTransactionAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand upsert = SqliteSql.Command(joined.Connection!, Upsert, "$stream", "$version", "$shape", "$state", "$at");
        upsert.Transaction = joined;
        Bind(upsert, snapshot);
        upsert.ExecuteNonQuery();
    }

    public ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        cancellationToken.ThrowIfCancellationRequested();
        using SqliteConnection connection = store.OpenConnection();
        using SqliteCommand delete = SqliteSql.Command(connection, Delete, "$stream");
        delete.Parameters[0].Value = streamId;
        delete.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    private static void Bind(SqliteCommand upsert, SnapshotRecord snapshot)
    {
        upsert.Parameters[0].Value = snapshot.StreamId;
        upsert.Parameters[1].Value = snapshot.Version;
        upsert.Parameters[2].Value = snapshot.StateShape;
        upsert.Parameters[3].Value = snapshot.State.ToArray();
        upsert.Parameters[4].Value = snapshot.TakenAt.ToUnixTimeMilliseconds();
    }
}
