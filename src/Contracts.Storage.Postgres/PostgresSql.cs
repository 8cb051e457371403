using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using Npgsql;
using NpgsqlTypes;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Every statement of one store, schema-qualified once when the store is created (no SQL is built per call), and the
/// shared binding and reading of a <see cref="MessageRecord"/>. Parameters are positional (<c>$1</c>) and typed.
/// </summary>
internal sealed class PostgresSql
{
    /// <summary>The <see cref="MessageRecord"/> columns, in the order <see cref="AddMessage"/> binds and <see cref="Read"/> reads them.</summary>
    public const string MessageColumns =
        "endpoint, message_id, contract, version, correlation_id, causation_id, idempotency_key, attempt, sent_at, due_at, " +
        "trace_parent, trace_state, headers, payload, first_failed_at, last_error, priority";

    /// <summary>How many parameters <see cref="AddMessage"/> adds.</summary>
    public const int MessageParameterCount = 17;

    private const string MessageValues = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17";

    private const string DeadLetterColumns =
        $"id, {MessageColumns}, reason, exception_type, exception_message, stack_trace, attempts, failed_first_at, failed_last_at";

    private static readonly ConcurrentDictionary<string, PostgresSql> s_bySchema = new(StringComparer.Ordinal);

    private PostgresSql(string schema)
    {
        Schema = schema;
        string s = Quote(schema);
        Channel = schema;
        Listen = $"LISTEN {s}";
        // The payload says what became free (PostgresListener wakes only the loops that take it).
        NotifyQueue = $"SELECT pg_notify('{schema}', '{PostgresListener.QueuePayload}')";
        NotifyOutbox = $"SELECT pg_notify('{schema}', '{PostgresListener.OutboxPayload}')";
        NotifyBoth = $"SELECT pg_notify('{schema}', '{PostgresListener.QueuePayload} {PostgresListener.OutboxPayload}')";

        string free = "(owner IS NULL OR claimed_until < $3)";
        // A claim counts a delivery in the statement that claims (durable before any handler runs); a release gives it back.
        string returning = $"RETURNING seq, {MessageColumns}, deliveries";
        const string GiveBack = "deliveries = GREATEST(deliveries - 1, 0)";
        // Many records in one statement, a column array each; rows are inserted in input order (ORDER BY ord), so their
        // identity values rise in that order and the sorted RETURNING values map back to the records one to one.
        EnqueueMany =
            $"INSERT INTO {s}.queue ({MessageColumns}, owner, claimed_until, claim) " +
            $"SELECT {MessageColumns}, owner, claimed_until, claim FROM unnest(" +
            "$1::text[], $2::uuid[], $3::text[], $4::integer[], $5::uuid[], $6::uuid[], $7::text[], $8::integer[], $9::timestamptz[], " +
            "$10::timestamptz[], $11::text[], $12::text[], $13::bytea[], $14::bytea[], $15::timestamptz[], $16::text[], $17::smallint[], " +
            $"$18::text[], $19::timestamptz[], $20::bigint[]) WITH ORDINALITY AS r({MessageColumns}, owner, claimed_until, claim, ord) ORDER BY ord RETURNING seq";
        ClaimQueue =
            $"UPDATE {s}.queue SET owner = $1, claimed_until = $2, claim = $6, deliveries = deliveries + 1 WHERE seq = ANY(ARRAY" +
            $"(SELECT seq FROM {s}.queue WHERE endpoint = ANY($4) AND {free} ORDER BY seq LIMIT $5 FOR UPDATE SKIP LOCKED)) {returning}";
        RenewQueue = $"UPDATE {s}.queue SET claimed_until = $2 WHERE owner = $1";
        RenewOutbox = $"UPDATE {s}.outbox SET claimed_until = $2 WHERE owner = $1";
        ReleaseQueueOwner = $"UPDATE {s}.queue SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE owner = $1";
        ReleaseOutboxOwner = $"UPDATE {s}.outbox SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE owner = $1";
        // The rows of claiming calls whose caller saw an error (see PostgresMessageStore.Claims.cs): nobody handles them.
        ReleaseQueueDoubts = $"UPDATE {s}.queue SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE owner = $1 AND claim = ANY($2)";
        ReleaseOutboxDoubts = $"UPDATE {s}.outbox SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE owner = $1 AND claim = ANY($2)";
        ReleaseQueueRows = $"UPDATE {s}.queue SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE seq = ANY($1)";
        ReleaseOutboxRows = $"UPDATE {s}.outbox SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE seq = ANY($1)";
        Complete = $"DELETE FROM {s}.queue WHERE seq = $1";
        CompleteMany = $"DELETE FROM {s}.queue WHERE seq = ANY($1)";
        Reschedule = $"UPDATE {s}.queue SET attempt = $1, due_at = $2, first_failed_at = $3, last_error = $4 WHERE seq = $5";

        InboxContains = $"SELECT 1 FROM {s}.inbox WHERE endpoint = $1 AND key = $2";
        InboxAdd = $"INSERT INTO {s}.inbox (endpoint, key, processed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
        InboxRecord = $"INSERT INTO {s}.inbox (endpoint, key, processed_at) VALUES ($1, $2, $3)";
        InboxCleanUp = $"DELETE FROM {s}.inbox WHERE processed_at < $1";

        OutboxInsert = $"INSERT INTO {s}.outbox ({MessageColumns}) VALUES ({MessageValues})";
        ClaimOutbox =
            $"UPDATE {s}.outbox SET owner = $1, claimed_until = $2, claim = $5, deliveries = deliveries + 1 WHERE seq = ANY(ARRAY" +
            $"(SELECT seq FROM {s}.outbox WHERE relayed_at IS NULL AND {free} ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED)) {returning}";
        MarkRelayed = $"UPDATE {s}.outbox SET relayed_at = $1, owner = NULL, claimed_until = NULL WHERE seq = ANY($2)";
        OutboxCleanUp = $"DELETE FROM {s}.outbox WHERE relayed_at IS NOT NULL AND relayed_at < $1";

        DeadLetterAdd =
            $"INSERT INTO {s}.dead_letters ({MessageColumns}, reason, exception_type, exception_message, stack_trace, attempts, failed_first_at, failed_last_at) " +
            $"VALUES ({MessageValues}, $18, $19, $20, $21, $22, $23, $24) RETURNING id";
        DeadLetterList = $"SELECT {DeadLetterColumns} FROM {s}.dead_letters WHERE id > $1 ORDER BY id LIMIT $2";
        DeadLetterFind = $"SELECT {DeadLetterColumns} FROM {s}.dead_letters WHERE id = $1";
        DeadLetterCount = $"SELECT count(*) FROM {s}.dead_letters";
        Ping = $"SELECT 1 FROM {s}.dead_letters LIMIT 1";
        DeadLetterRemove = $"DELETE FROM {s}.dead_letters WHERE id = $1";

        // One statement: the letter goes and its message is queued again, or neither (the letter was gone already).
        DeadLetterReplay =
            $"WITH gone AS (DELETE FROM {s}.dead_letters WHERE id = $20 RETURNING id) " +
            $"INSERT INTO {s}.queue ({MessageColumns}, owner, claimed_until, claim) SELECT {MessageValues}, $18, $19, $21 WHERE EXISTS (SELECT 1 FROM gone) RETURNING seq";
        DeadLetterPurge = $"DELETE FROM {s}.dead_letters WHERE failed_last_at < $1";
        DeadLetterPurgeAll = $"DELETE FROM {s}.dead_letters";
    }

    /// <summary>The statements of <paramref name="schema"/> (a validated name), built once per schema and process.</summary>
    public static PostgresSql For(string schema) => s_bySchema.GetOrAdd(schema, static s => new PostgresSql(s));

    public string Schema { get; }

    /// <summary>The LISTEN/NOTIFY channel of the store: the schema's name.</summary>
    public string Channel { get; }

    public string Listen { get; }

    /// <summary>Wakes the store's listeners; inside a transaction, only once it commits.</summary>
    public string NotifyQueue { get; }

    public string NotifyOutbox { get; }

    public string NotifyBoth { get; }

    public string EnqueueMany { get; }

    public string ClaimQueue { get; }

    public string RenewQueue { get; }

    public string RenewOutbox { get; }

    public string ReleaseQueueOwner { get; }

    public string ReleaseOutboxOwner { get; }

    public string ReleaseQueueDoubts { get; }

    public string ReleaseOutboxDoubts { get; }

    public string ReleaseQueueRows { get; }

    public string ReleaseOutboxRows { get; }

    public string Complete { get; }

    public string CompleteMany { get; }

    public string Reschedule { get; }

    public string InboxContains { get; }

    public string InboxAdd { get; }

    /// <summary>The consume transaction's inbox row: no ON CONFLICT, so a key recorded meanwhile fails the commit.</summary>
    public string InboxRecord { get; }

    public string InboxCleanUp { get; }

    public string OutboxInsert { get; }

    public string ClaimOutbox { get; }

    public string MarkRelayed { get; }

    public string OutboxCleanUp { get; }

    public string DeadLetterAdd { get; }

    public string DeadLetterList { get; }

    /// <summary>The number of dead letters (a health check's threshold).</summary>
    public string DeadLetterCount { get; }

    /// <summary>A health check's question: the server answers and the store's schema is there.</summary>
    public string Ping { get; }

    public string DeadLetterFind { get; }

    public string DeadLetterRemove { get; }

    public string DeadLetterReplay { get; }

    public string DeadLetterPurge { get; }

    public string DeadLetterPurgeAll { get; }

    /// <summary>A double-quoted identifier (the schema name is checked to need no escaping).</summary>
    public static string Quote(string identifier) => "\"" + identifier + "\"";

    public static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };

    public static NpgsqlParameter Value(DateTimeOffset value) => new NpgsqlParameter<DateTimeOffset>() { TypedValue = value.ToUniversalTime() };

    public static NpgsqlParameter Nullable(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    public static NpgsqlParameter Nullable(Guid? value) => new() { NpgsqlDbType = NpgsqlDbType.Uuid, Value = value is { } v ? v : DBNull.Value };

    public static NpgsqlParameter Nullable(DateTimeOffset? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = value is { } v ? v.ToUniversalTime() : DBNull.Value };

    public static NpgsqlParameter Nullable(byte[]? value) => new() { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)value ?? DBNull.Value };

    /// <summary>Adds <paramref name="record"/> as parameters <c>$1</c> to <c>$17</c> (in <see cref="MessageColumns"/> order).</summary>
    public static void AddMessage(NpgsqlParameterCollection p, MessageRecord record)
    {
        p.Add(Value(record.Endpoint));
        p.Add(Value(record.MessageId));
        p.Add(Value(record.ContractName));
        p.Add(Value(record.ContractVersion));
        p.Add(Value(record.CorrelationId));
        p.Add(Nullable(record.CausationId));
        p.Add(Nullable(record.IdempotencyKey));
        p.Add(Value(record.Attempt));
        p.Add(Value(record.SentAt));
        p.Add(Nullable(record.DueAt));
        p.Add(Nullable(record.TraceParent));
        p.Add(Nullable(record.TraceState));
        p.Add(Nullable(HeaderCodec.Encode(record.Headers)));
        p.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = record.Payload });
        p.Add(Nullable(record.FirstFailedAt));
        p.Add(Nullable(record.LastError));
        p.Add(Value((short)record.Priority));
    }

    /// <summary>Reads a record whose <see cref="MessageColumns"/> start at column <paramref name="at"/>.</summary>
    public static MessageRecord Read(NpgsqlDataReader reader, int at, long sequence) => new()
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
        SentAt = reader.GetFieldValue<DateTimeOffset>(at + 8),
        DueAt = reader.IsDBNull(at + 9) ? null : reader.GetFieldValue<DateTimeOffset>(at + 9),
        TraceParent = reader.IsDBNull(at + 10) ? null : reader.GetString(at + 10),
        TraceState = reader.IsDBNull(at + 11) ? null : reader.GetString(at + 11),
        Headers = reader.IsDBNull(at + 12) ? null : HeaderCodec.Decode(reader.GetFieldValue<byte[]>(at + 12)),
        Payload = reader.GetFieldValue<byte[]>(at + 13),
        FirstFailedAt = reader.IsDBNull(at + 14) ? null : reader.GetFieldValue<DateTimeOffset>(at + 14),
        LastError = reader.IsDBNull(at + 15) ? null : reader.GetString(at + 15),
        Priority = (byte)reader.GetInt16(at + 16),
    };

    /// <summary>Puts rows oldest first (RETURNING keeps no order).</summary>
    public static List<MessageRecord> SortRecords(List<MessageRecord> records)
    {
        records.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        return records;
    }
}
