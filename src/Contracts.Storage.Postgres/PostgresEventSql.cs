using System;
using System.Collections.Concurrent;

namespace Contracts.Storage.Postgres;

/// <summary>The event log's statements of one schema, built once per schema and process (see <see cref="PostgresSql"/>).</summary>
internal sealed class PostgresEventSql
{
    public const string EventColumns =
        "position, stream_id, stream_version, event_id, contract, version, correlation_id, causation_id, recorded_at, headers, payload";

    private static readonly ConcurrentDictionary<string, PostgresEventSql> s_bySchema = new(StringComparer.Ordinal);

    private PostgresEventSql(string schema)
    {
        string s = PostgresSql.Quote(schema);
        // The stream's row is created if missing (a concurrent creator makes this wait, then do nothing) and locked:
        // writers of one stream take turns from here to their commit.
        CreateStream = $"INSERT INTO {s}.streams (stream_id, version) VALUES ($1, 0) ON CONFLICT (stream_id) DO NOTHING";
        LockStream = $"SELECT version, deleted_at, archived_at FROM {s}.streams WHERE stream_id = $1 FOR UPDATE";
        // The head row is the last lock an append takes and holds to its commit: positions are handed out in commit
        // order, and a rolled-back append gives its numbers back with the update, so the log has no gaps. The append's
        // statements go in one batch after the stream's lock, so each of them moves only if the locked row meets the
        // expected version ($3, -1 for any) and is neither deleted nor archived: a failed check takes no position and
        // writes nothing.
        string meets = $"SELECT 1 FROM {s}.streams WHERE stream_id = $2 AND {Open} AND ($3 = -1 OR version = $3)";
        TakePositions = $"UPDATE {s}.event_head SET position = position + $1 WHERE EXISTS ({meets}) RETURNING position";
        InsertEvents =
            $"INSERT INTO {s}.events ({EventColumns}) " +
            "SELECT h.position - $2 + e.n, $1, st.version + e.n, e.id, e.contract, e.version, e.correlation, e.causation, $4, e.headers, e.payload " +
            $"FROM {s}.event_head h, {s}.streams st, " +
            "unnest($5::uuid[], $6::text[], $7::integer[], $8::uuid[], $9::uuid[], $10::bytea[], $11::bytea[]) " +
            "WITH ORDINALITY AS e(id, contract, version, correlation, causation, headers, payload, n) " +
            "WHERE st.stream_id = $1 AND st.deleted_at IS NULL AND st.archived_at IS NULL AND ($3 = -1 OR st.version = $3)";
        AdvanceStream = $"UPDATE {s}.streams SET version = version + $2 WHERE stream_id = $1 AND {Open} AND ($3 = -1 OR version = $3)";
        // A plain append in one call of the schema's function (migration 11): $1 stream, $2 expected, $3 recorded at,
        // $4-$10 the event columns, and with publications $11-$27 the outbox columns (MessageColumns order).
        Append = $"SELECT r_version, r_last, r_deleted FROM {s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        AppendPublishing =
            $"SELECT r_version, r_last, r_deleted FROM {s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, " +
            "$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)";
        SetStream = $"UPDATE {s}.streams SET version = $2, deleted_at = $3 WHERE stream_id = $1";
        StreamOf = $"SELECT version, deleted_at, archived_at FROM {s}.streams WHERE stream_id = $1";
        ArchiveStream = $"UPDATE {s}.streams SET archived_at = coalesce(archived_at, $2) WHERE stream_id = $1";
        ReadForwards = $"SELECT {EventColumns} FROM {s}.events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3";
        ReadBackwards = $"SELECT {EventColumns} FROM {s}.events WHERE stream_id = $1 AND stream_version <= $2 ORDER BY stream_version DESC LIMIT $3";
        ReadAll = $"SELECT {EventColumns} FROM {s}.events WHERE position >= $1 ORDER BY position LIMIT $2";
        Head = $"SELECT position FROM {s}.event_head";
        NotifyEvents = $"SELECT pg_notify('{schema}', '{PostgresListener.EventsPayload}')";
        DeleteCheckpoint = $"DELETE FROM {s}.checkpoints WHERE subscription = $1";
        ReadCheckpoint = $"SELECT position FROM {s}.checkpoints WHERE subscription = $1";
        SaveCheckpoint =
            $"INSERT INTO {s}.checkpoints (subscription, position) VALUES ($1, $2) " +
            "ON CONFLICT (subscription) DO UPDATE SET position = GREATEST(checkpoints.position, excluded.position)";
    }

    /// <summary>A stream's row that takes appends: neither deleted nor archived.</summary>
    private const string Open = "deleted_at IS NULL AND archived_at IS NULL";

    public static PostgresEventSql For(string schema) => s_bySchema.GetOrAdd(schema, static s => new PostgresEventSql(s));

    public string CreateStream { get; }

    public string LockStream { get; }

    public string TakePositions { get; }

    public string InsertEvents { get; }

    public string AdvanceStream { get; }

    /// <summary>A plain append without publications: one statement, run in autocommit (its own transaction).</summary>
    public string Append { get; }

    /// <summary>A plain append with its publications' outbox rows.</summary>
    public string AppendPublishing { get; }

    public string SetStream { get; }

    public string StreamOf { get; }

    /// <summary>Marks a stream archived, keeping the time of its first archiving.</summary>
    public string ArchiveStream { get; }

    public string ReadForwards { get; }

    public string ReadBackwards { get; }

    public string ReadAll { get; }

    public string Head { get; }

    /// <summary>Tells other processes' live subscriptions, at the commit, that events were appended.</summary>
    public string NotifyEvents { get; }

    public string DeleteCheckpoint { get; }

    public string ReadCheckpoint { get; }

    public string SaveCheckpoint { get; }
}
