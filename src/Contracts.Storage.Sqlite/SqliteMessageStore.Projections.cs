using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// Event-log transactions: an inline projection's append, or an asynchronous projection's batch, with the projection's
/// own SQL and its checkpoint, on a connection of their own.
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
            return ValueTask.FromResult<IEventLogTransaction>(new SqliteEventLogTransaction(connection, transaction, _time));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>One event-log transaction: the writer's statements prepared on its own connection and joined to it.</summary>
    internal sealed class SqliteEventLogTransaction : IEventLogTransaction
    {
        private readonly Writer _writer;
        private bool _done;

        public SqliteEventLogTransaction(SqliteConnection connection, SqliteTransaction transaction, TimeProvider time)
        {
            Transaction = transaction;
            _writer = new Writer(connection, time);
            _writer.Join(transaction);
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
            Transaction.Commit();
            _done = true;
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            try
            {
                if (!_done)
                {
                    Transaction.Rollback();
                }
            }
            catch (SqliteException)
            {
                // Already rolled back by SQLite (a failed statement can end the transaction).
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
}
