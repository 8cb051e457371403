using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

public sealed partial class SqliteMessageStore
{
    /// <summary>The writer loop's connection and prepared statements.</summary>
    private sealed partial class Writer : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand[] _all;

        public Writer(SqliteConnection connection, TimeProvider time)
        {
            _connection = connection;
            Time = time;
            InsertQueue = SqliteSql.InsertMessage(connection, "contracts_queue", ", owner, claimed_until", ", $owner, $until", "$owner", "$until");
            DeleteQueue = SqliteSql.Command(connection, "DELETE FROM contracts_queue WHERE seq = $seq", "$seq");
            InsertInbox = SqliteSql.Command(connection, "INSERT OR IGNORE INTO contracts_inbox (endpoint, key, processed_at) VALUES ($endpoint, $key, $at)", "$endpoint", "$key", "$at");
            Reschedule = SqliteSql.Command(
                connection,
                "UPDATE contracts_queue SET attempt = $attempt, due_at = $due, first_failed_at = $first, last_error = $error WHERE seq = $seq",
                "$attempt", "$due", "$first", "$error", "$seq");
            InsertDead = SqliteSql.InsertMessage(
                connection,
                "contracts_dead_letters",
                ", reason, exception_type, exception_message, stack_trace, attempts, failed_first_at, failed_last_at",
                ", $reason, $type, $text, $stack, $attempts, $failed_first, $failed_last",
                "$reason", "$type", "$text", "$stack", "$attempts", "$failed_first", "$failed_last");
            DeleteDead = SqliteSql.Command(connection, "DELETE FROM contracts_dead_letters WHERE id = $id", "$id");
            MarkRelayed = SqliteSql.Command(connection, "UPDATE contracts_outbox SET relayed_at = $at, owner = NULL, claimed_until = NULL WHERE seq = $seq", "$at", "$seq");
            LastId = SqliteSql.Command(connection, "SELECT last_insert_rowid()");
            Scratch = connection.CreateCommand();
            StreamOf = SqliteSql.Command(connection, "SELECT version, deleted_at FROM contracts_streams WHERE stream_id = $stream", "$stream");
            SetStream = SqliteSql.Command(
                connection,
                "INSERT INTO contracts_streams (stream_id, version, deleted_at) VALUES ($stream, $version, $deleted) " +
                "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, deleted_at = excluded.deleted_at",
                "$stream", "$version", "$deleted");
            InsertEvent = SqliteSql.Command(
                connection,
                "INSERT INTO contracts_events (stream_id, stream_version, event_id, contract, version, correlation_id, causation_id, recorded_at, headers, payload) " +
                "VALUES ($stream, $stream_version, $event_id, $contract, $version, $correlation_id, $causation_id, $recorded_at, $headers, $payload) RETURNING position",
                "$stream", "$stream_version", "$event_id", "$contract", "$version", "$correlation_id", "$causation_id", "$recorded_at", "$headers", "$payload");
            InsertOutbox = SqliteSql.InsertMessage(connection, "contracts_outbox");
            _all = [InsertQueue, DeleteQueue, InsertInbox, Reschedule, InsertDead, DeleteDead, MarkRelayed, LastId, Scratch, StreamOf, SetStream, InsertEvent, InsertOutbox];
        }

        /// <summary>Adds an outbox row (an appended event's publication).</summary>
        public SqliteCommand InsertOutbox { get; }

        /// <summary>A stream's version and deletion time (no row: it does not exist).</summary>
        public SqliteCommand StreamOf { get; }

        /// <summary>Sets a stream's version and deletion time.</summary>
        public SqliteCommand SetStream { get; }

        /// <summary>Appends one event; returns its position.</summary>
        public SqliteCommand InsertEvent { get; }

        public TimeProvider Time { get; }

        public SqliteCommand InsertQueue { get; }

        public SqliteCommand DeleteQueue { get; }

        public SqliteCommand InsertInbox { get; }

        public SqliteCommand Reschedule { get; }

        public SqliteCommand InsertDead { get; }

        public SqliteCommand DeleteDead { get; }

        public SqliteCommand MarkRelayed { get; }

        public SqliteCommand LastId { get; }

        /// <summary>For rare statements (purge, clean-up) that are not worth preparing.</summary>
        public SqliteCommand Scratch { get; }

        public void Commit(List<WriteOp> batch)
        {
            if (TryRun(batch))
            {
                return;
            }

            // One write failed and took the batch with it: run each alone, so only the bad one fails.
            foreach (WriteOp op in batch)
            {
                TryRun([op]);
            }
        }

        private bool TryRun(List<WriteOp> ops)
        {
            SqliteTransaction? transaction = null;
            try
            {
                transaction = _connection.BeginTransaction(deferred: false);
                foreach (SqliteCommand command in _all)
                {
                    command.Transaction = transaction;
                }

                foreach (WriteOp op in ops)
                {
                    op.Execute(this);
                }

                transaction.Commit();
                foreach (WriteOp op in ops)
                {
                    op.Done.TrySetResult();
                }

                return true;
            }
            catch (Exception ex)
            {
                try
                {
                    transaction?.Rollback();
                }
                catch (SqliteException)
                {
                    // Already rolled back by SQLite.
                }

                if (ops.Count == 1)
                {
                    ops[0].Done.TrySetException(ex);
                }

                return false;
            }
            finally
            {
                transaction?.Dispose();
            }
        }

        public long InsertedId() => (long)LastId.ExecuteScalar()!;

        /// <summary>Runs the prepared statements in <paramref name="transaction"/> (an event-log transaction's own writer).</summary>
        public void Join(SqliteTransaction transaction)
        {
            foreach (SqliteCommand command in _all)
            {
                command.Transaction = transaction;
            }
        }

        public void Dispose()
        {
            foreach (SqliteCommand command in _all)
            {
                command.Dispose();
            }

            DisposeDeliveryStatements();

            _connection.Dispose();
        }
    }

    /// <summary>A released row's claim did not end with the process: it is not counted as an unfinished delivery.</summary>
    private const string GiveBack = "deliveries = MAX(deliveries - 1, 0)";

    private abstract class WriteOp
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Result { get; protected set; }

        public abstract void Execute(Writer writer);

        /// <summary>The rows this write claimed (a send held by its sender, a claim, a replay), to give back when its caller gave up; null for other writes.</summary>
        public virtual ReleaseRowsOp? ClaimedRows() => null;

        protected static void Delete(Writer writer, MessageRecord? record)
        {
            if (record is { Sequence: > 0 })
            {
                writer.DeleteQueue.Parameters[0].Value = record.Sequence;
                writer.DeleteQueue.ExecuteNonQuery();
            }
        }

        protected static void Insert(Writer writer, MessageRecord record, StoreClaim claim)
        {
            SqliteSql.Bind(writer.InsertQueue, record);
            writer.InsertQueue.Parameters[SqliteSql.MessageColumnCount].Value = claim.Owner;
            writer.InsertQueue.Parameters[SqliteSql.MessageColumnCount + 1].Value = claim.Until.ToUnixTimeMilliseconds();
            writer.InsertQueue.ExecuteNonQuery();
            record.Sequence = writer.InsertedId();
        }
    }

    private sealed class EnqueueOp(IReadOnlyList<MessageRecord> records, StoreClaim claim) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            for (int i = 0; i < records.Count; i++)
            {
                Insert(writer, records[i], claim);
            }
        }

        public override ReleaseRowsOp ClaimedRows() => new("contracts_queue", Sequences(records));
    }

    private sealed class CompleteOp(MessageRecord record) : WriteOp
    {
        public override void Execute(Writer writer) => Delete(writer, record);
    }

    private sealed class InboxOp(string endpoint, string key) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteParameterCollection p = writer.InsertInbox.Parameters;
            p[0].Value = endpoint;
            p[1].Value = key;
            p[2].Value = writer.Time.GetUtcNow().ToUnixTimeMilliseconds();
            writer.InsertInbox.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Claims the oldest rows nobody holds in one statement. The writer loop runs every write on one connection, and
    /// SQLite lets one writer at a time change the file, so two claims (from two processes too) never get the same row.
    /// The same statement counts the claim in <c>deliveries</c>, so the count is on disk before any handler runs.
    /// </summary>
    private sealed class ClaimOp(string table, string filter, string? endpoints, StoreClaim claim, int limit) : WriteOp
    {
        public List<MessageRecord> Claimed { get; private set; } = [];

        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            command.CommandText =
                $"UPDATE {table} SET owner = $owner, claimed_until = $until, deliveries = deliveries + 1 WHERE seq IN " +
                $"(SELECT seq FROM {table} WHERE {filter} AND (owner IS NULL OR claimed_until < $now) ORDER BY seq LIMIT $limit) " +
                $"RETURNING seq, {SqliteSql.MessageColumns}, deliveries";
            command.Parameters.AddWithValue("$owner", claim.Owner);
            command.Parameters.AddWithValue("$until", claim.Until.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$now", writer.Time.GetUtcNow().ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$limit", limit);
            if (endpoints is not null)
            {
                command.Parameters.AddWithValue("$endpoints", endpoints);
            }

            List<MessageRecord> claimed = SqliteSql.ReadClaimed(command);
            claimed.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
            Claimed = claimed;
        }

        public override ReleaseRowsOp? ClaimedRows() => Claimed.Count == 0 ? null : new(table, Sequences(Claimed));
    }

    /// <summary>
    /// Releases the claims on the rows of <paramref name="table"/> whose sequences <paramref name="sequences"/> lists (a
    /// JSON array), and takes back the claim's count: the row was given back unhandled.
    /// </summary>
    private sealed class ReleaseRowsOp(string table, string sequences) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            command.CommandText = $"UPDATE {table} SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE seq IN (SELECT value FROM json_each($seqs))";
            command.Parameters.AddWithValue("$seqs", sequences);
            Result = command.ExecuteNonQuery();
        }
    }

    /// <summary>Renews (<paramref name="until"/> given) or releases (<see langword="null"/>) every claim of <paramref name="owner"/>.</summary>
    private sealed class ClaimChangeOp(string owner, DateTimeOffset? until) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            Result = 0;
            foreach (string table in (ReadOnlySpan<string>)["contracts_queue", "contracts_outbox"])
            {
                command.Parameters.Clear();
                command.CommandText = until is null
                    ? $"UPDATE {table} SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE owner = $owner"
                    : $"UPDATE {table} SET claimed_until = $until WHERE owner = $owner";
                command.Parameters.AddWithValue("$owner", owner);
                if (until is { } end)
                {
                    command.Parameters.AddWithValue("$until", end.ToUnixTimeMilliseconds());
                }

                Result += command.ExecuteNonQuery();
            }
        }
    }

    private sealed class RescheduleOp(MessageRecord record) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteParameterCollection p = writer.Reschedule.Parameters;
            p[0].Value = record.Attempt;
            p[1].Value = record.DueAt is { } due ? due.ToUnixTimeMilliseconds() : DBNull.Value;
            p[2].Value = record.FirstFailedAt is { } first ? first.ToUnixTimeMilliseconds() : DBNull.Value;
            p[3].Value = (object?)record.LastError ?? DBNull.Value;
            p[4].Value = record.Sequence;
            writer.Reschedule.ExecuteNonQuery();
        }
    }

    private sealed class DeadLetterOp(DeadLetter letter) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand insert = writer.InsertDead;
            SqliteSql.Bind(insert, letter.Message);
            SqliteParameterCollection p = insert.Parameters;
            p[SqliteSql.MessageColumnCount].Value = (int)letter.Reason;
            p[SqliteSql.MessageColumnCount + 1].Value = letter.ExceptionType;
            p[SqliteSql.MessageColumnCount + 2].Value = letter.ExceptionMessage;
            p[SqliteSql.MessageColumnCount + 3].Value = letter.StackTrace;
            p[SqliteSql.MessageColumnCount + 4].Value = letter.Attempts;
            p[SqliteSql.MessageColumnCount + 5].Value = letter.FirstFailedAt.ToUnixTimeMilliseconds();
            p[SqliteSql.MessageColumnCount + 6].Value = letter.LastFailedAt.ToUnixTimeMilliseconds();
            insert.ExecuteNonQuery();
            letter.Id = writer.InsertedId();
            if (letter.Message.Endpoint.Length > 0)
            {
                Delete(writer, letter.Message);
            }
        }
    }

    /// <summary>Removes a dead letter and, when <paramref name="requeued"/> is given, queues it again in the same commit.</summary>
    private sealed class ReplayOp(long id, MessageRecord? requeued, StoreClaim claim) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            writer.DeleteDead.Parameters[0].Value = id;
            Result = writer.DeleteDead.ExecuteNonQuery();
            if (Result != 0 && requeued is not null)
            {
                Insert(writer, requeued, claim);
            }
        }

        public override ReleaseRowsOp? ClaimedRows() => Result != 0 && requeued is not null ? new("contracts_queue", Sequences([requeued])) : null;
    }

    private sealed class PurgeOp(DateTimeOffset? before) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            if (before is { } cutOff)
            {
                command.CommandText = "DELETE FROM contracts_dead_letters WHERE failed_last_at < $before";
                command.Parameters.AddWithValue("$before", cutOff.ToUnixTimeMilliseconds());
            }
            else
            {
                command.CommandText = "DELETE FROM contracts_dead_letters";
            }

            Result = command.ExecuteNonQuery();
        }
    }

    private sealed class CleanUpOp(string sql, DateTimeOffset before) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            Result = command.ExecuteNonQuery();
        }
    }

    private sealed class MarkRelayedOp(IReadOnlyList<MessageRecord> records) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteParameterCollection p = writer.MarkRelayed.Parameters;
            p[0].Value = writer.Time.GetUtcNow().ToUnixTimeMilliseconds();
            for (int i = 0; i < records.Count; i++)
            {
                p[1].Value = records[i].Sequence;
                writer.MarkRelayed.ExecuteNonQuery();
            }
        }
    }
}
