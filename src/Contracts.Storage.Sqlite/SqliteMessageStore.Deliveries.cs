using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

public sealed partial class SqliteMessageStore
{
    /// <summary>
    /// Joins one delivery's consume transaction to the writer loop: the loop hands its connection, inside its open batch
    /// transaction and a savepoint of the delivery's own, to the delivery until it finishes. Deliveries queued together
    /// commit together (one flush for the batch), and a delivery that fails rolls back to its savepoint: only its own
    /// work is undone.
    /// </summary>
    internal IWriterTurn JoinWriter()
    {
        if (_writer is null)
        {
            throw new InvalidOperationException($"The SQLite store '{DataSource}' is not open: the bus opens it when it starts.");
        }

        var op = new DeliveryOp(_writer, _options.BusyTimeout);
        if (!_writes.Writer.TryWrite(op))
        {
            throw new ObjectDisposedException(nameof(SqliteMessageStore), $"The SQLite store '{DataSource}' is closed.");
        }

        return op;
    }

    /// <summary>One delivery's turn on the writer's connection.</summary>
    private sealed class DeliveryOp(Writer writer, TimeSpan busyTimeout) : WriteOp, IWriterTurn
    {
        private const int Queued = 0;
        private const int Granted = 1;
        private const int Abandoned = 2;

        private const int Running = 0;
        private const int Keep = 1;
        private const int RollBack = 2;

        // Synchronous continuations: a handler that awaits its turn goes on on the writer's thread, which waits for the
        // turn anyway; one that runs to its commit without waiting on anything else gives the connection back before the
        // grant returns, so its turn costs no thread hop at all (a handler blocked in the synchronous getter is woken).
        private readonly TaskCompletionSource<SqliteTransaction> _granted = new(TaskCreationOptions.None);
        private int _state;
        private int _outcome;

        // Synchronous continuations: the writer goes on with its batch on the thread that gives the connection back, so a
        // turn costs one thread hop (the grant), not two. Replaced when the writer was woken by its busy-timeout check.
        private TaskCompletionSource _returned = new(TaskCreationOptions.None);

        /// <summary>How long the delivery waits for its turn before failing, as a connection waits for SQLite's write lock.</summary>
        public TimeSpan BusyTimeout => busyTimeout;

        /// <summary>Completes with the batch transaction when the writer hands the connection to this delivery.</summary>
        public Task<SqliteTransaction> Turn => _granted.Task;

        /// <summary>Whether the delivery gave the connection back.</summary>
        public bool Returned => Volatile.Read(ref _outcome) != Running;

        /// <summary>Whether the delivery's work is kept (once <see cref="Returned"/>).</summary>
        public bool Kept => Volatile.Read(ref _outcome) == Keep;

        /// <summary>Completes when the delivery gives the connection back, or when <see cref="Wake"/> is called.</summary>
        public Task Back => Volatile.Read(ref _returned).Task;

        public override void Execute(Writer writer) =>
            throw new InvalidOperationException("A delivery runs on the writer's connection through its turn, not as a statement.");

        /// <summary>The writer's side: hands the connection over, unless the delivery gave up waiting.</summary>
        public bool TryGrant(SqliteTransaction transaction)
        {
            if (Interlocked.CompareExchange(ref _state, Granted, Queued) != Queued)
            {
                return false;
            }

            _granted.TrySetResult(transaction);
            return true;
        }

        /// <summary>The writer's side, when the batch failed before this delivery's turn: it fails with the batch.</summary>
        public void Refuse(Exception error)
        {
            if (Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued)
            {
                _granted.TrySetException(error);
            }
        }

        public Task Committed => Done.Task;

        /// <summary>The delivery's side, when it ends: gives the connection back, or drops its place in the queue.</summary>
        public void Finish(bool keep)
        {
            if (Interlocked.CompareExchange(ref _state, Abandoned, Queued) != Queued)
            {
                // The outcome before the wake, each with a full fence: a writer that re-armed meanwhile sees the outcome.
                Interlocked.CompareExchange(ref _outcome, keep ? Keep : RollBack, Running);
                Volatile.Read(ref _returned).TrySetResult();
            }
        }

        /// <summary>The writer's busy-timeout check: wakes the writer waiting in <see cref="Back"/> without an outcome.</summary>
        public void Wake() => Volatile.Read(ref _returned).TrySetResult();

        /// <summary>The writer's side after a wake without an outcome: a fresh <see cref="Back"/> to wait on.</summary>
        public Task Rearm()
        {
            var next = new TaskCompletionSource(TaskCreationOptions.None);
            Interlocked.Exchange(ref _returned, next);
            return next.Task;
        }

        /// <summary>Records the inbox key on the delivery's turn; false when another delivery recorded it first.</summary>
        public bool TryRecordInbox(string endpoint, string key)
        {
            SqliteCommand insert = writer.RecordInbox;
            insert.Parameters[0].Value = endpoint;
            insert.Parameters[1].Value = key;
            insert.Parameters[2].Value = writer.Time.GetUtcNow().ToUnixTimeMilliseconds();
            try
            {
                insert.ExecuteNonQuery();
                return true;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19) // SQLITE_CONSTRAINT: the key is there already
            {
                return false;
            }
        }
    }

    private sealed partial class Writer
    {
        private SqliteCommand? _savepoint;
        private SqliteCommand? _release;
        private SqliteCommand? _rollbackTo;
        private SqliteCommand? _recordInbox;
        private Timer? _watchdog;
        private DeliveryOp? _watched;
        private long _watchedSince;

        /// <summary>Records an inbox key, failing on a duplicate (the delivery's commit decides a race with it).</summary>
        public SqliteCommand RecordInbox => _recordInbox ??= SqliteSql.Command(
            _connection, "INSERT INTO contracts_inbox (endpoint, key, processed_at) VALUES ($endpoint, $key, $at)", "$endpoint", "$key", "$at");

        /// <summary>
        /// A batch with deliveries in it: each write and each delivery in a savepoint of its own inside one transaction,
        /// so that a failure undoes only its own part; deliveries that queue meanwhile join the batch (up to
        /// <paramref name="maxBatchSize"/>), and one commit makes them all durable.
        /// </summary>
        public async Task CommitWithDeliveriesAsync(List<WriteOp> batch, ChannelReader<WriteOp> reader, int maxBatchSize)
        {
            SqliteTransaction? transaction = null;
            try
            {
                transaction = _connection.BeginTransaction(deferred: false);
                Enlist(transaction);
                for (int i = 0; i < batch.Count; i++)
                {
                    if (batch[i] is DeliveryOp delivery)
                    {
                        await RunTurnAsync(delivery, transaction, batch, reader).ConfigureAwait(false);
                    }
                    else
                    {
                        RunInSavepoint(batch[i]);
                    }

                    while (i == batch.Count - 1 && batch.Count < maxBatchSize && reader.TryRead(out WriteOp? next))
                    {
                        batch.Add(next);
                    }
                }

                transaction.Commit();
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

                Fail(batch, ex);
                return;
            }
            finally
            {
                transaction?.Dispose();
            }

            foreach (WriteOp op in batch)
            {
                op.Done.TrySetResult();
            }
        }

        private void DisposeDeliveryStatements()
        {
            _savepoint?.Dispose();
            _release?.Dispose();
            _rollbackTo?.Dispose();
            _recordInbox?.Dispose();
            _watchdog?.Dispose();
        }

        private void Enlist(SqliteTransaction transaction)
        {
            foreach (SqliteCommand command in _all)
            {
                command.Transaction = transaction;
            }

            _savepoint ??= SqliteSql.Command(_connection, "SAVEPOINT contracts_write");
            _release ??= SqliteSql.Command(_connection, "RELEASE contracts_write");
            _rollbackTo ??= SqliteSql.Command(_connection, "ROLLBACK TO contracts_write");
            _savepoint.Transaction = transaction;
            _release.Transaction = transaction;
            _rollbackTo.Transaction = transaction;
            RecordInbox.Transaction = transaction;
        }

        private void RunInSavepoint(WriteOp op)
        {
            if (op.OneStatement)
            {
                // A failed statement is undone alone by SQLite (its statement journal): no savepoint needed.
                try
                {
                    op.Execute(this);
                }
                catch (Exception ex)
                {
                    op.Done.TrySetException(ex);
                }

                return;
            }

            _savepoint!.ExecuteNonQuery();
            try
            {
                op.Execute(this);
            }
            catch (Exception ex)
            {
                _rollbackTo!.ExecuteNonQuery();
                op.Done.TrySetException(ex);
            }

            _release!.ExecuteNonQuery();
        }

        /// <summary>
        /// The delivery's turn. A delivery that holds the connection longer than its busy timeout keeps it (its handler
        /// cannot be stopped), but the writes waiting behind it fail as they would on SQLite's write lock: a handler that
        /// sends through an injected bus instead of its context would otherwise wait for itself forever. One timer for
        /// every turn (<see cref="_watchdog"/>), moved at each, wakes the writer when a turn outlasts its timeout.
        /// </summary>
        private async Task RunTurnAsync(DeliveryOp delivery, SqliteTransaction transaction, List<WriteOp> batch, ChannelReader<WriteOp> reader)
        {
            _savepoint!.ExecuteNonQuery();
            if (!delivery.TryGrant(transaction))
            {
                _release!.ExecuteNonQuery();
                return;
            }

            long since = Stopwatch.GetTimestamp();
            Watch(delivery, since, delivery.BusyTimeout);
            Task back = delivery.Back;
            while (!delivery.Returned)
            {
                await back.ConfigureAwait(false);
                if (delivery.Returned)
                {
                    break;
                }

                TimeSpan waited = Stopwatch.GetElapsedTime(since);
                if (waited >= delivery.BusyTimeout)
                {
                    FailWaitingWrites(batch, reader, delivery.BusyTimeout);
                    since = Stopwatch.GetTimestamp();
                    waited = TimeSpan.Zero;
                }

                back = delivery.Rearm();
                Watch(delivery, since, delivery.BusyTimeout - waited);
            }

            Volatile.Write(ref _watched, null);
            if (!delivery.Kept)
            {
                _rollbackTo!.ExecuteNonQuery();
            }

            _release!.ExecuteNonQuery();
        }

        private void Watch(DeliveryOp delivery, long since, TimeSpan left)
        {
            Volatile.Write(ref _watchedSince, since);
            Volatile.Write(ref _watched, delivery);
            (_watchdog ??= new Timer(static state => ((Writer)state!).CheckTurn(), this, Timeout.Infinite, Timeout.Infinite))
                .Change(left, Timeout.InfiniteTimeSpan);
        }

        /// <summary>
        /// The timer's side: wakes the writer when the turn it watches has outlasted its busy timeout. A timer may fire a
        /// little early, and the writer may have moved it for a later turn meanwhile: then it is set again for what is left.
        /// </summary>
        private void CheckTurn()
        {
            if (Volatile.Read(ref _watched) is not { } delivery)
            {
                return;
            }

            TimeSpan left = delivery.BusyTimeout - Stopwatch.GetElapsedTime(Volatile.Read(ref _watchedSince));
            if (left <= TimeSpan.Zero)
            {
                delivery.Wake();
            }
            else
            {
                try
                {
                    _watchdog!.Change(left + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                    return; // the store closed meanwhile: no turn is left to watch
                }
            }
        }

        private static void FailWaitingWrites(List<WriteOp> batch, ChannelReader<WriteOp> reader, TimeSpan busyTimeout)
        {
            var error = new TimeoutException(
                $"A write to the SQLite store waited more than {busyTimeout} for a handler's consume transaction, which holds the store's writer " +
                "until the handler returns. Send and publish from such a handler through its MessageContext (they join the transaction), not an injected IMessageBus. " +
                "Likewise give an IEventStore append or IAggregateStore save AppendOptions.From(context), load with LoadAsync(id, context), " +
                "and pass the context to DeleteStreamAsync and ArchiveStreamAsync, " +
                "so that they join it (docs/event-sourcing.md).");
            while (reader.TryRead(out WriteOp? waiting))
            {
                if (waiting is DeliveryOp)
                {
                    batch.Add(waiting); // another delivery: it waits for its turn with its own timeout
                }
                else
                {
                    waiting.Done.TrySetException(error);
                }
            }
        }

        private static void Fail(List<WriteOp> batch, Exception error)
        {
            foreach (WriteOp op in batch)
            {
                (op as DeliveryOp)?.Refuse(error);
                op.Done.TrySetException(error);
            }
        }
    }
}

/// <summary>A delivery's turn on the SQLite store's writer (see <see cref="SqliteMessageStore.JoinWriter"/>).</summary>
internal interface IWriterTurn
{
    /// <summary>How long the delivery waits for its turn before failing.</summary>
    TimeSpan BusyTimeout { get; }

    /// <summary>Completes with the batch's transaction when the turn comes; faults when the batch failed before it.</summary>
    Task<SqliteTransaction> Turn { get; }

    /// <summary>Completes when the batch the delivery's work is in has committed; faults when it did not.</summary>
    Task Committed { get; }

    /// <summary>Ends the turn (or gives up the place in the queue): keep the work, or roll it back.</summary>
    void Finish(bool keep);

    /// <summary>Records the inbox key in the turn; false when it is there already.</summary>
    bool TryRecordInbox(string endpoint, string key);
}
