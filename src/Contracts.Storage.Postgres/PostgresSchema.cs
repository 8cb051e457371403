using System;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// The store's schema as numbered migrations, applied in order and recorded in <c>schema_versions</c>. Every process
/// migrates at start under a transaction-scoped advisory lock, so processes starting together migrate once and a
/// failed migration leaves nothing half done (PostgreSQL's DDL is transactional). A database whose schema is newer
/// than this library is refused: an older library must not write to tables it does not know.
/// </summary>
internal static partial class PostgresSchema
{
    /// <summary>The version this library writes and reads.</summary>
    public static int Latest => s_migrations.Length;

    /// <summary>The advisory-lock class of schema migrations (the lock's second half is the schema's hash).</summary>
    private const int LockClass = 0x43545253; // "CTRS"

    private const string MessageColumnTypes = """
        endpoint text NOT NULL,
        message_id uuid NOT NULL,
        contract text NOT NULL,
        version integer NOT NULL,
        correlation_id uuid NOT NULL,
        causation_id uuid,
        idempotency_key text,
        attempt integer NOT NULL,
        sent_at timestamptz NOT NULL,
        due_at timestamptz,
        trace_parent text,
        trace_state text,
        headers bytea,
        payload bytea NOT NULL,
        first_failed_at timestamptz,
        last_error text
        """;

    /// <summary>
    /// Migration n (1-based) is element n - 1; {0} is the quoted schema, {1} its plain name (the NOTIFY channel). Never
    /// edit a released one: add the next.
    /// </summary>
    private static readonly (string Description, string Sql)[] s_migrations =
    [
        ("queue, outbox, inbox and dead letters with claims", $$"""
            CREATE TABLE {0}.queue (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            {{MessageColumnTypes}},
            owner text,
            claimed_until timestamptz);
            CREATE INDEX queue_endpoint ON {0}.queue (endpoint, seq);
            CREATE INDEX queue_owner ON {0}.queue (owner) WHERE owner IS NOT NULL;
            CREATE TABLE {0}.outbox (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            {{MessageColumnTypes}},
            relayed_at timestamptz,
            owner text,
            claimed_until timestamptz);
            CREATE INDEX outbox_unrelayed ON {0}.outbox (seq) WHERE relayed_at IS NULL;
            CREATE INDEX outbox_relayed ON {0}.outbox (relayed_at) WHERE relayed_at IS NOT NULL;
            CREATE INDEX outbox_owner ON {0}.outbox (owner) WHERE owner IS NOT NULL;
            CREATE TABLE {0}.inbox (
            endpoint text NOT NULL,
            key text NOT NULL,
            processed_at timestamptz NOT NULL,
            PRIMARY KEY (endpoint, key));
            CREATE INDEX inbox_processed ON {0}.inbox (processed_at);
            CREATE TABLE {0}.dead_letters (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            {{MessageColumnTypes}},
            reason integer NOT NULL,
            exception_type text NOT NULL,
            exception_message text NOT NULL,
            stack_trace text NOT NULL,
            attempts integer NOT NULL,
            failed_first_at timestamptz NOT NULL,
            failed_last_at timestamptz NOT NULL);
            CREATE INDEX dead_letters_failed ON {0}.dead_letters (failed_last_at);
            """),
        ("claims count deliveries (crash-loop detection)", """
            ALTER TABLE {0}.queue ADD COLUMN deliveries integer NOT NULL DEFAULT 0;
            ALTER TABLE {0}.outbox ADD COLUMN deliveries integer NOT NULL DEFAULT 0;
            """),
        ("claims carry the number of the call that made them (rows of a lost reply are given back)", """
            ALTER TABLE {0}.queue ADD COLUMN claim bigint;
            ALTER TABLE {0}.outbox ADD COLUMN claim bigint;
            """),
        // Rows live for milliseconds, so dead versions pile up at the message rate: with the server's defaults (a fifth
        // of the table, throttled) a busy queue is vacuumed too late, and every claim walks the dead index entries.
        ("queue and outbox are vacuumed after a thousand dead rows, unthrottled", """
            ALTER TABLE {0}.queue SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
            ALTER TABLE {0}.outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
            """),
        ("messages keep their priority (queue, outbox and dead letters)", """
            ALTER TABLE {0}.queue ADD COLUMN priority smallint NOT NULL DEFAULT 0;
            ALTER TABLE {0}.outbox ADD COLUMN priority smallint NOT NULL DEFAULT 0;
            ALTER TABLE {0}.dead_letters ADD COLUMN priority smallint NOT NULL DEFAULT 0;
            """),
        ("the event log: events with a global position, streams with their version, subscriptions' checkpoints", """
            CREATE TABLE {0}.events (
            position bigint PRIMARY KEY,
            stream_id text NOT NULL,
            stream_version bigint NOT NULL,
            event_id uuid NOT NULL,
            contract text NOT NULL,
            version integer NOT NULL,
            correlation_id uuid NOT NULL,
            causation_id uuid,
            recorded_at timestamptz NOT NULL,
            headers bytea,
            payload bytea NOT NULL,
            UNIQUE (stream_id, stream_version));
            CREATE TABLE {0}.streams (
            stream_id text PRIMARY KEY,
            version bigint NOT NULL,
            deleted_at timestamptz);
            CREATE TABLE {0}.event_head (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            position bigint NOT NULL);
            INSERT INTO {0}.event_head (position) VALUES (0);
            CREATE TABLE {0}.checkpoints (
            subscription text PRIMARY KEY,
            position bigint NOT NULL);
            """),
        ("saga instances, one row per instance with a version (optimistic concurrency)", """
            CREATE TABLE {0}.sagas (
            saga text NOT NULL,
            saga_id text NOT NULL,
            version bigint NOT NULL,
            status integer NOT NULL,
            data bytea NOT NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (saga, saga_id));
            CREATE INDEX sagas_updated ON {0}.sagas (saga, updated_at);
            """),
        ("aggregate snapshots, the newest per stream", """
            CREATE TABLE {0}.snapshots (
            stream_id text PRIMARY KEY,
            version bigint NOT NULL,
            state_shape text NOT NULL,
            state bytea NOT NULL,
            taken_at timestamptz NOT NULL);
            """),
        // Migration 9 (issue 18).
        ("schedules: one row per recurring or one-off schedule with its next due time (the firing's compare-and-swap)", """
            CREATE TABLE {0}.schedules (
            id text PRIMARY KEY,
            contract text NOT NULL,
            version integer NOT NULL,
            payload bytea NOT NULL,
            recurrence text NOT NULL,
            next_due timestamptz NOT NULL,
            missed integer NOT NULL,
            max_catch_up integer NOT NULL,
            updated_at timestamptz NOT NULL);
            CREATE INDEX schedules_due ON {0}.schedules (next_due);
            """),
        // Migration 10 (issue 20).
        ("projection leases: one row per asynchronous projection with its holder, the end of its claim and a fencing token", """
            CREATE TABLE {0}.projection_leases (
            subscription text PRIMARY KEY,
            owner text,
            token bigint NOT NULL,
            leased_until timestamptz NOT NULL);
            """),
        // Migration 11 (issue 20). A plain append is this one call in autocommit:
        // one round trip, one statement, one transaction. It takes the batched append's locks in the same order (the
        // stream's row, by the update that checks and moves its version, then the head row, both held to the commit, so
        // positions follow commit order without gaps). When the update finds no row that meets the check, a read says
        // why: a stream deleted or at another version is refused with nothing written (r_last = 0, the stream's state
        // returned); a missing one is created, unless a version above 0 was expected; a row created or moved by another
        // writer since the update's snapshot is tried again. The outbox arrays are optional (none: no outbox rows).
        // {1} is the schema's plain name, the NOTIFY channel; the payload names what became free (PostgresListener).
        ("append_events: a whole append (check, positions, events, stream, outbox rows, notify) in one server-side call",
            AppendEventsFunction("CREATE FUNCTION", open: "deleted_at IS NULL", closed: "deleted_at IS NOT NULL")),
        // Migration 12 (issue 20): archived streams (read-only, still readable). append_events refuses them too; its
        // r_deleted now says the stream is closed (deleted or archived), and the caller reads which.
        ("archived streams: streams.archived_at, and append_events refuses an archived stream", "ALTER TABLE {0}.streams ADD COLUMN archived_at timestamptz;\n" +
            AppendEventsFunction("CREATE OR REPLACE FUNCTION", open: "deleted_at IS NULL AND archived_at IS NULL", closed: "(deleted_at IS NOT NULL OR archived_at IS NOT NULL)")),
    ];

    /// <summary>
    /// The text of the <c>append_events</c> function (migrations 11 and 12): <paramref name="open"/> is the condition on
    /// a stream's row that lets an append in, <paramref name="closed"/> the one that refuses it for good. Migration 11's
    /// text must stay as it was released.
    /// </summary>
    private static string AppendEventsFunction(string create, string open, string closed) => $$"""
            {{create}} {0}.append_events(
            p_stream text, p_expected bigint, p_recorded_at timestamptz,
            p_ids uuid[], p_contracts text[], p_versions integer[], p_correlations uuid[], p_causations uuid[], p_headers bytea[], p_payloads bytea[],
            o_endpoints text[] = NULL, o_message_ids uuid[] = NULL, o_contracts text[] = NULL, o_versions integer[] = NULL,
            o_correlations uuid[] = NULL, o_causations uuid[] = NULL, o_idempotency_keys text[] = NULL, o_attempts integer[] = NULL,
            o_sent_at timestamptz[] = NULL, o_due_at timestamptz[] = NULL, o_trace_parents text[] = NULL, o_trace_states text[] = NULL,
            o_headers bytea[] = NULL, o_payloads bytea[] = NULL, o_first_failed_at timestamptz[] = NULL, o_last_errors text[] = NULL,
            o_priorities smallint[] = NULL,
            OUT r_version bigint, OUT r_last bigint, OUT r_deleted boolean)
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_count integer := cardinality(p_ids);
            BEGIN
                r_last := 0;
                r_deleted := false;
                LOOP
                    UPDATE {0}.streams SET version = version + v_count
                        WHERE stream_id = p_stream AND {{open}} AND (p_expected = -1 OR version = p_expected)
                        RETURNING version - v_count INTO r_version;
                    EXIT WHEN FOUND;
                    SELECT version, {{closed}} INTO r_version, r_deleted FROM {0}.streams WHERE stream_id = p_stream;
                    IF FOUND THEN
                        IF r_deleted OR (p_expected <> -1 AND r_version <> p_expected) THEN
                            RETURN;
                        END IF;
                    ELSE
                        r_version := 0;
                        r_deleted := false;
                        IF p_expected > 0 THEN
                            RETURN;
                        END IF;
                        INSERT INTO {0}.streams (stream_id, version) VALUES (p_stream, v_count) ON CONFLICT (stream_id) DO NOTHING;
                        EXIT WHEN FOUND;
                    END IF;
                END LOOP;
                UPDATE {0}.event_head SET position = position + v_count RETURNING position INTO r_last;
                INSERT INTO {0}.events (position, stream_id, stream_version, event_id, contract, version, correlation_id, causation_id, recorded_at, headers, payload)
                    SELECT r_last - v_count + e.n, p_stream, r_version + e.n, e.id, e.contract, e.version, e.correlation, e.causation, p_recorded_at, e.headers, e.payload
                    FROM unnest(p_ids, p_contracts, p_versions, p_correlations, p_causations, p_headers, p_payloads)
                    WITH ORDINALITY AS e(id, contract, version, correlation, causation, headers, payload, n);
                IF cardinality(o_endpoints) > 0 THEN
                    INSERT INTO {0}.outbox ({{PostgresSql.MessageColumns}})
                        SELECT {{PostgresSql.MessageColumns}} FROM unnest(o_endpoints, o_message_ids, o_contracts, o_versions, o_correlations, o_causations,
                        o_idempotency_keys, o_attempts, o_sent_at, o_due_at, o_trace_parents, o_trace_states, o_headers, o_payloads, o_first_failed_at,
                        o_last_errors, o_priorities) WITH ORDINALITY AS m({{PostgresSql.MessageColumns}}, ord) ORDER BY ord;
                    PERFORM pg_notify('{1}', '{{PostgresListener.EventsPayload}} {{PostgresListener.OutboxPayload}}');
                ELSE
                    PERFORM pg_notify('{1}', '{{PostgresListener.EventsPayload}}');
                END IF;
            END
            $fn$;
            """;

    /// <summary>Checks that <paramref name="schema"/> is a plain lower-case identifier, which needs no escaping in SQL.</summary>
    public static void Validate(string schema)
    {
        if (!Identifier().IsMatch(schema))
        {
            throw new ArgumentException(
                $"The PostgreSQL schema name '{schema}' is not valid: use 1 to 63 lower-case letters, digits and underscores, starting with a letter or underscore.", nameof(schema));
        }
    }

    /// <summary>Brings <paramref name="schema"/> to <see cref="Latest"/>, or (without <paramref name="migrate"/>) checks that it is there.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="schema">The schema.</param>
    /// <param name="migrate">Whether to create and upgrade, or only check.</param>
    /// <param name="cancellationToken">Cancels the migration (nothing is left half done).</param>
    /// <param name="target">The version to migrate to: <see cref="Latest"/>, or an older one for tests of upgrades.</param>
    /// <returns>The version the schema was at before.</returns>
    public static async Task<int> MigrateAsync(NpgsqlConnection connection, string schema, bool migrate, CancellationToken cancellationToken, int target = 0)
    {
        target = target == 0 ? Latest : target;
        string s = PostgresSql.Quote(schema);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockSchema = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, hashtext($2))", connection, transaction))
        {
            lockSchema.Parameters.Add(PostgresSql.Value(LockClass));
            lockSchema.Parameters.Add(PostgresSql.Value(schema));
            await lockSchema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int current = await CurrentVersionAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false);
        if (current > Latest)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL schema '{schema}' is at version {current}, newer than this Contracts.Storage.Postgres (version {Latest}): " +
                "a newer version of the library created it. Upgrade the package in this application, or give it another schema (PostgresStoreOptions.Schema).");
        }

        if (current >= target)
        {
            return current;
        }

        if (!migrate)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL schema '{schema}' is at version {current}, and this Contracts.Storage.Postgres needs version {Latest}. " +
                "Let the store create and upgrade it (PostgresStoreOptions.CreateSchema = true), or apply the SQL of docs/postgres.md.");
        }

        await using (var create = new NpgsqlCommand(
            $"CREATE SCHEMA IF NOT EXISTS {s}; " +
            $"CREATE TABLE IF NOT EXISTS {s}.schema_versions (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());",
            connection,
            transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        for (int version = current + 1; version <= target; version++)
        {
            (string description, string sql) = s_migrations[version - 1];
            await using var step = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, s, schema), connection, transaction);
            await step.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand($"INSERT INTO {s}.schema_versions (version, description) VALUES ($1, $2)", connection, transaction);
            record.Parameters.Add(PostgresSql.Value(version));
            record.Parameters.Add(PostgresSql.Value(description));
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return current;
    }

    /// <summary>The schema's recorded version: 0 when the schema or its migration table does not exist.</summary>
    private static async Task<int> CurrentVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection, transaction);
        exists.Parameters.Add(PostgresSql.Value(PostgresSql.Quote(schema) + ".schema_versions"));
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
        {
            return 0;
        }

        await using var max = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {PostgresSql.Quote(schema)}.schema_versions", connection, transaction);
        return Convert.ToInt32(await max.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
