using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// Event-log transactions: an inline projection's append, or an asynchronous projection's batch, with the projection's
/// own SQL and its checkpoint, on a connection of their own; or, joined to a delivery's consume transaction, the same on
/// the writer's connection during the delivery's turn, in a savepoint of their own.
/// </summary>
public sealed partial class SqliteMessageStore
{
    ValueTask<IEventLogTransaction> IEventLogStore.BeginTransactionAsync(CancellationToken cancellationToken)
    {
        SqliteConnection connection = OpenConnection();
        try
        {
            // BEGIN IMMEDIATE: the write lock from the start, so the append's check of its stream and the positions it
            // takes cannot be overtaken by the writer loop (which waits on busy_timeout meanwhile).
            SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
            return ValueTask.FromResult<IEventLogTransaction>(new SqliteEventLogTransaction(new Writer(connection, _time), transaction, joined: false));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    async ValueTask<IEventLogTransaction> IEventLogStore.JoinAsync(IConsumeTransaction transaction, CancellationToken cancellationToken)
    {
        // The delivery's turn: the writer's connection, its batch transaction open and its statements enlisted in it.
        SqliteTransaction batch = await SqliteConsumeTransaction.Of(transaction, this, "event log").GetTransactionAsync(cancellationToken).ConfigureAwait(false);
        Writer writer = _writer!;
        writer.EventsSavepoint(batch).ExecuteNonQuery();
        return new SqliteEventLogTransaction(writer, batch, joined: true);
    }

    /// <summary>An event-log transaction of this store, for <see cref="SqliteProjectionExtensions.GetSqliteTransaction"/>.</summary>
    internal interface ISqliteEventLogTransaction : IEventLogTransaction
    {
        /// <summary>The SQLite transaction: a projection's own commands run in it.</summary>
        SqliteTransaction Transaction { get; }
    }

    /// <summary>
    /// One event-log transaction: the writer's statements prepared on a connection of its own and enlisted in its
    /// transaction, or (joined) the writer loop's own, lent for a delivery's turn, with a savepoint that
    /// <see cref="CommitAsync"/> releases and a rollback returns to.
    /// </summary>
    private sealed class SqliteEventLogTransaction : ISqliteEventLogTransaction
    {
        private readonly Writer _writer;
        private readonly bool _joined;
        private bool _done;

        public SqliteEventLogTransaction(Writer writer, SqliteTransaction transaction, bool joined)
        {
            Transaction = transaction;
            _writer = writer;
            _joined = joined;
            if (!joined)
            {
                writer.Join(transaction);
            }
        }

        /// <summary>The SQLite transaction: a projection's own commands run in it.</summary>
        public SqliteTransaction Transaction { get; }

        public ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            var op = new AppendOp(streamId, expected, events, publish);
            op.Execute(_writer);
            return ValueTask.FromResult(op.Result);
        }

        public ValueTask<IReadOnlyList<EventRecord>> ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            return ValueTask.FromResult<IReadOnlyList<EventRecord>>(_writer.ReadStream(Transaction, streamId, fromVersion, direction, maxCount));
        }

        public ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            new DeleteStreamOp(streamId, expected).Execute(_writer);
            return ValueTask.CompletedTask;
        }

        public ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            new ArchiveStreamOp(streamId, expected).Execute(_writer);
            return ValueTask.CompletedTask;
        }

        public ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            new CheckpointOp(subscription, position).Execute(_writer);
            return ValueTask.CompletedTask;
        }

        public ValueTask ResetCheckpointAsync(string subscription, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            SqliteCommand command = _writer.Scratch;
            command.CommandText = "DELETE FROM contracts_checkpoints WHERE subscription = $name";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$name", subscription);
            command.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            if (_joined)
            {
                _writer.EventsRelease(Transaction).ExecuteNonQuery(); // kept in the delivery's work, committed with it
            }
            else
            {
                Transaction.Commit();
            }

            _done = true;
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (_joined)
            {
                if (!_done)
                {
                    // Undoes this transaction's writes only: the delivery's other work stays, and so does its turn.
                    _done = true;
                    _writer.EventsRollback(Transaction).ExecuteNonQuery();
                    _writer.EventsRelease(Transaction).ExecuteNonQuery();
                }

                return ValueTask.CompletedTask;
            }

            try
            {
                if (!_done)
                {
                    Transaction.Rollback();
                }
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
            {
                // SQLITE_ERROR "no transaction is active": a failed statement ended it, and SQLite rolled it back.
            }
            finally
            {
                _done = true;
                Transaction.Dispose();
                _writer.Dispose(); // and its connection
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed partial class Writer
    {
        private SqliteCommand? _eventsSavepoint;
        private SqliteCommand? _eventsRelease;
        private SqliteCommand? _eventsRollback;
        private SqliteCommand? _readForwards;
        private SqliteCommand? _readBackwards;

        /// <summary>Opens the savepoint of an event-log transaction joined to a delivery's.</summary>
        public SqliteCommand EventsSavepoint(SqliteTransaction transaction) =>
            InTransaction(ref _eventsSavepoint, "SAVEPOINT contracts_events", transaction);

        /// <summary>Keeps the joined event-log transaction's work in the delivery's.</summary>
        public SqliteCommand EventsRelease(SqliteTransaction transaction) =>
            InTransaction(ref _eventsRelease, "RELEASE contracts_events", transaction);

        /// <summary>Undoes the joined event-log transaction's work (its savepoint stays, to be released).</summary>
        public SqliteCommand EventsRollback(SqliteTransaction transaction) =>
            InTransaction(ref _eventsRollback, "ROLLBACK TO contracts_events", transaction);

        /// <summary>A page of a stream read on this connection: it sees the writes of the transaction open on it.</summary>
        public List<EventRecord> ReadStream(SqliteTransaction transaction, string streamId, long fromVersion, ReadDirection direction, int maxCount)
        {
            StreamOf.Transaction = transaction;
            StreamOf.Parameters[0].Value = streamId;
            if (ReadStreamState(StreamOf).Deleted)
            {
                throw new StreamDeletedException(streamId);
            }

            SqliteCommand read = direction == ReadDirection.Forwards
                ? InTransaction(ref _readForwards, ReadForwardsSql, transaction, "$stream", "$from", "$limit")
                : InTransaction(ref _readBackwards, ReadBackwardsSql, transaction, "$stream", "$from", "$limit");
            read.Parameters[0].Value = streamId;
            read.Parameters[1].Value = fromVersion;
            read.Parameters[2].Value = maxCount;
            return ReadEvents(read);
        }

        private SqliteCommand InTransaction(ref SqliteCommand? command, string sql, SqliteTransaction transaction, params string[] parameters)
        {
            command ??= SqliteSql.Command(_connection, sql, parameters);
            command.Transaction = transaction;
            return command;
        }

        private void DisposeEventStatements()
        {
            _eventsSavepoint?.Dispose();
            _eventsRelease?.Dispose();
            _eventsRollback?.Dispose();
            _readForwards?.Dispose();
            _readBackwards?.Dispose();
        }
    }
}
