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
            StreamOf = SqliteSql.Command(connection, StreamOfSql, "$stream");
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
            DisposeEventStatements();

            _connection.Dispose();
        }
    }
}
