using System;
using System.Collections.Generic;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>The schema and the shared parts of every statement that stores a <see cref="MessageRecord"/>.</summary>
internal static class SqliteSql
{
    public const string MessageColumns =
        "endpoint, message_id, contract, version, correlation_id, causation_id, idempotency_key, attempt, sent_at, due_at, " +
        "trace_parent, trace_state, headers, payload, first_failed_at, last_error, priority";

    /// <summary>How many columns <see cref="MessageColumns"/> names: the parameters and columns that follow start here.</summary>
    public const int MessageColumnCount = 17;

    public const string MessageValues =
        "$endpoint, $message_id, $contract, $version, $correlation_id, $causation_id, $idempotency_key, $attempt, $sent_at, $due_at, " +
        "$trace_parent, $trace_state, $headers, $payload, $first_failed_at, $last_error, $priority";

    private const string MessageColumnTypes = """
        endpoint TEXT NOT NULL,
        message_id BLOB NOT NULL,
        contract TEXT NOT NULL,
        version INTEGER NOT NULL,
        correlation_id BLOB NOT NULL,
        causation_id BLOB,
        idempotency_key TEXT,
        attempt INTEGER NOT NULL,
        sent_at INTEGER NOT NULL,
        due_at INTEGER,
        trace_parent TEXT,
        trace_state TEXT,
        headers BLOB,
        payload BLOB NOT NULL,
        first_failed_at INTEGER,
        last_error TEXT,
        priority INTEGER NOT NULL DEFAULT 0
        """;

    /// <summary>
    /// Sequences are AUTOINCREMENT so an id is never reused: recovery reads up to the highest id at start, and a
    /// reused id would deliver a new message twice. Event positions are AUTOINCREMENT too, and since one writer appends
    /// and a failed append rolls its increments back, they have no gaps; events are never deleted (a deleted stream is
    /// marked in <c>contracts_streams</c>).
    /// </summary>
    public const string Schema = $"""
        CREATE TABLE IF NOT EXISTS contracts_queue (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        {MessageColumnTypes},
        owner TEXT,
        claimed_until INTEGER,
        deliveries INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS contracts_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        {MessageColumnTypes},
        relayed_at INTEGER,
        owner TEXT,
        claimed_until INTEGER,
        deliveries INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX IF NOT EXISTS contracts_outbox_unrelayed ON contracts_outbox (seq) WHERE relayed_at IS NULL;
        CREATE INDEX IF NOT EXISTS contracts_outbox_relayed ON contracts_outbox (relayed_at) WHERE relayed_at IS NOT NULL;
        CREATE TABLE IF NOT EXISTS contracts_dead_letters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        {MessageColumnTypes},
        reason INTEGER NOT NULL,
        exception_type TEXT NOT NULL,
        exception_message TEXT NOT NULL,
        stack_trace TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        failed_first_at INTEGER NOT NULL,
        failed_last_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS contracts_inbox (
        endpoint TEXT NOT NULL,
        key TEXT NOT NULL,
        processed_at INTEGER NOT NULL,
        PRIMARY KEY (endpoint, key)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS contracts_inbox_processed ON contracts_inbox (processed_at);
        CREATE TABLE IF NOT EXISTS contracts_events (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        stream_id TEXT NOT NULL,
        stream_version INTEGER NOT NULL,
        event_id BLOB NOT NULL,
        contract TEXT NOT NULL,
        version INTEGER NOT NULL,
        correlation_id BLOB NOT NULL,
        causation_id BLOB,
        recorded_at INTEGER NOT NULL,
        headers BLOB,
        payload BLOB NOT NULL,
        UNIQUE (stream_id, stream_version));
        CREATE TABLE IF NOT EXISTS contracts_streams (
        stream_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        deleted_at INTEGER,
        archived_at INTEGER) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS contracts_checkpoints (
        subscription TEXT PRIMARY KEY,
        position INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS contracts_projection_leases (
        subscription TEXT PRIMARY KEY,
        owner TEXT,
        token INTEGER NOT NULL,
        leased_until INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS contracts_sagas (
        saga TEXT NOT NULL,
        saga_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        status INTEGER NOT NULL,
        data BLOB NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (saga, saga_id)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS contracts_sagas_updated ON contracts_sagas (saga, updated_at);
        CREATE TABLE IF NOT EXISTS contracts_schedules (
        id TEXT PRIMARY KEY,
        contract TEXT NOT NULL,
        version INTEGER NOT NULL,
        payload BLOB NOT NULL,
        recurrence TEXT NOT NULL,
        next_due INTEGER NOT NULL,
        missed INTEGER NOT NULL,
        max_catch_up INTEGER NOT NULL,
        updated_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS contracts_schedules_due ON contracts_schedules (next_due);
        CREATE TABLE IF NOT EXISTS contracts_snapshots (
        stream_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        state_shape TEXT NOT NULL,
        state BLOB NOT NULL,
        taken_at INTEGER NOT NULL) WITHOUT ROWID;
        """;

    /// <summary>
    /// Adds the columns later versions brought to the tables of an older file: the message's priority (all three
    /// message tables; a row written before it existed has 0), and on the queue and outbox the claim (owner and end)
    /// and the count of claims (<c>deliveries</c>; a row written before it existed starts at 0), and on the streams when
    /// each was archived.
    /// </summary>
    public static void AddLaterColumns(SqliteConnection connection)
    {
        foreach (string table in (ReadOnlySpan<string>)["contracts_queue", "contracts_outbox", "contracts_dead_letters"])
        {
            AddColumnsIfMissing(connection, table, "priority", $"ALTER TABLE {table} ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;");
        }

        AddColumnsIfMissing(connection, "contracts_streams", "archived_at", "ALTER TABLE contracts_streams ADD COLUMN archived_at INTEGER;");
        foreach (string table in (ReadOnlySpan<string>)["contracts_queue", "contracts_outbox"])
        {
            AddColumnsIfMissing(connection, table, "owner", $"ALTER TABLE {table} ADD COLUMN owner TEXT; ALTER TABLE {table} ADD COLUMN claimed_until INTEGER;");
            AddColumnsIfMissing(connection, table, "deliveries", $"ALTER TABLE {table} ADD COLUMN deliveries INTEGER NOT NULL DEFAULT 0;");

            // Renewals and releases find a bus's rows by owner; relayed and settled rows hold none.
            using SqliteCommand index = Command(connection, $"CREATE INDEX IF NOT EXISTS {table}_owner ON {table} (owner) WHERE owner IS NOT NULL;");
            index.ExecuteNonQuery();
        }
    }

    private static void AddColumnsIfMissing(SqliteConnection connection, string table, string column, string alter)
    {
        using SqliteCommand columns = Command(connection, $"SELECT 1 FROM pragma_table_info('{table}') WHERE name = $column", "$column");
        columns.Parameters[0].Value = column;
        if (columns.ExecuteScalar() is null)
        {
            using SqliteCommand add = Command(connection, alter);
            add.ExecuteNonQuery();
        }
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (string name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }

        return command;
    }

    public static SqliteCommand InsertMessage(SqliteConnection connection, string table, string extraColumns = "", string extraValues = "", params string[] extraParameters)
    {
        SqliteCommand command = Command(
            connection,
            $"INSERT INTO {table} ({MessageColumns}{extraColumns}) VALUES ({MessageValues}{extraValues})",
            [.. s_messageParameters, .. extraParameters]);
        return command;
    }

    private static readonly string[] s_messageParameters =
    [
        "$endpoint", "$message_id", "$contract", "$version", "$correlation_id", "$causation_id", "$idempotency_key", "$attempt", "$sent_at",
        "$due_at", "$trace_parent", "$trace_state", "$headers", "$payload", "$first_failed_at", "$last_error", "$priority",
    ];

    /// <summary>Binds the first <see cref="MessageColumnCount"/> parameters (in <see cref="MessageColumns"/> order) to <paramref name="record"/>.</summary>
    public static void Bind(SqliteCommand command, MessageRecord record)
    {
        SqliteParameterCollection p = command.Parameters;
        p[0].Value = record.Endpoint;
        p[1].Value = record.MessageId;
        p[2].Value = record.ContractName;
        p[3].Value = record.ContractVersion;
        p[4].Value = record.CorrelationId;
        p[5].Value = record.CausationId is { } causation ? causation : DBNull.Value;
        p[6].Value = (object?)record.IdempotencyKey ?? DBNull.Value;
        p[7].Value = record.Attempt;
        p[8].Value = record.SentAt.ToUnixTimeMilliseconds();
        p[9].Value = record.DueAt is { } due ? due.ToUnixTimeMilliseconds() : DBNull.Value;
        p[10].Value = (object?)record.TraceParent ?? DBNull.Value;
        p[11].Value = (object?)record.TraceState ?? DBNull.Value;
        p[12].Value = (object?)HeaderCodec.Encode(record.Headers) ?? DBNull.Value;
        p[13].Value = record.Payload.ToArray();
        p[14].Value = record.FirstFailedAt is { } first ? first.ToUnixTimeMilliseconds() : DBNull.Value;
        p[15].Value = (object?)record.LastError ?? DBNull.Value;
        p[16].Value = (int)record.Priority;
    }

    /// <summary>Reads a record whose <see cref="MessageColumns"/> start at column <paramref name="at"/>.</summary>
    public static MessageRecord Read(SqliteDataReader reader, int at, long sequence) => new()
    {
        Sequence = sequence,
        Endpoint = reader.GetString(at),
        MessageId = reader.GetGuid(at + 1),
        ContractName = reader.GetString(at + 2),
        ContractVersion = reader.GetInt32(at + 3),
        CorrelationId = reader.GetGuid(at + 4),
        CausationId = reader.IsDBNull(at + 5) ? null : reader.GetGuid(at + 5),
        IdempotencyKey = reader.IsDBNull(at + 6) ? null : reader.GetString(at + 6),
        Attempt = reader.GetInt32(at + 7),
        SentAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(at + 8)),
        DueAt = reader.IsDBNull(at + 9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(at + 9)),
        TraceParent = reader.IsDBNull(at + 10) ? null : reader.GetString(at + 10),
        TraceState = reader.IsDBNull(at + 11) ? null : reader.GetString(at + 11),
        Headers = reader.IsDBNull(at + 12) ? null : HeaderCodec.Decode((byte[])reader.GetValue(at + 12)),
        Payload = reader.IsDBNull(at + 13) ? ReadOnlyMemory<byte>.Empty : (byte[])reader.GetValue(at + 13),
        FirstFailedAt = reader.IsDBNull(at + 14) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(at + 14)),
        LastError = reader.IsDBNull(at + 15) ? null : reader.GetString(at + 15),
        Priority = (byte)reader.GetInt32(at + 16),
    };

    /// <summary>Reads claimed rows: the sequence, the <see cref="MessageColumns"/>, then <c>deliveries</c>.</summary>
    public static List<MessageRecord> ReadClaimed(SqliteCommand command)
    {
        var records = new List<MessageRecord>();
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            MessageRecord record = Read(reader, 1, reader.GetInt64(0));
            record.Deliveries = reader.GetInt32(1 + MessageColumnCount);
            records.Add(record);
        }

        return records;
    }
}
