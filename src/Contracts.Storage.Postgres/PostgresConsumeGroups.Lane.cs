using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

// The lanes of the group commit: one connection each, the group transaction open on it, and the savepoints of its turns.
internal sealed partial class PostgresConsumeGroups
{
    /// <summary>Whether <paramref name="connection"/> is there but no longer works (broken, or closed under its holder).</summary>
    internal static bool IsBroken(NpgsqlConnection? connection) =>
        connection is not null && ((connection.FullState & System.Data.ConnectionState.Broken) != 0 || connection.State != System.Data.ConnectionState.Open);

    /// <summary>What the next batch on a lane must first do about the savepoint of the turn before it.</summary>
    internal enum Pending
    {
        /// <summary>No savepoint is set (a new group, or the last one was already undone).</summary>
        None,

        /// <summary>The last turn's work is kept: release its savepoint (which fails if its handler left the transaction aborted).</summary>
        Release,

        /// <summary>The last turn's work is undone: roll back to its savepoint and release it.</summary>
        Rollback,
    }

    /// <summary>
    /// One connection of the store and the group transaction open on it. Only the delivery that holds the turn touches
    /// it, so nothing here is locked. The end of a turn is not a round trip of its own: it rides at the front of the next
    /// turn's first batch, or of the commit.
    /// </summary>
    internal sealed class Lane(PostgresMessageStore store) : IAsyncDisposable
    {
        private readonly List<PostgresConsumeTransaction> _kept = [];

        /// <summary>
        /// The inbox keys the open group inserted (a key whose turn was undone may stay: it only sends a later delivery
        /// of it alone). The group's transaction sees its own uncommitted keys, so a second delivery of one of them in
        /// this group would find it and be settled as a duplicate before anything committed.
        /// </summary>
        private readonly HashSet<(string Endpoint, string Key)> _keys = [];

        /// <summary>Deliveries that took a turn in the current group (under the coordinator's lock).</summary>
        public int Members { get; set; }

        public NpgsqlConnection? Connection { get; private set; }

        public NpgsqlTransaction? Transaction { get; private set; }

        /// <summary>What the next batch must do about the last turn's savepoint.</summary>
        public Pending Pending { get; private set; }

        /// <summary>Whether the open group inserted <paramref name="key"/> of <paramref name="endpoint"/>: not yet committed, so not yet a duplicate.</summary>
        public bool Holds(string endpoint, string key) => _keys.Contains((endpoint, key));

        /// <summary>Notes a key the holder's turn inserted in the open group.</summary>
        public void Inserted(string endpoint, string key) => _keys.Add((endpoint, key));

        /// <summary>The delivery whose savepoint <see cref="Pending.Release"/> releases.</summary>
        private PostgresConsumeTransaction? _previous;

        /// <summary>
        /// Opens the lane's connection if it has none, or none that works (the server restarted while the lane was idle,
        /// or since the last turn: the group is gone with it), before the delivery's attempt starts: a server that cannot
        /// be reached fails the delivery's start, as opening a connection of its own did, not its handler.
        /// </summary>
        public async ValueTask OpenAsync(CancellationToken cancellationToken)
        {
            if (Connection is not null && Broken)
            {
                await LoseAsync(new InvalidOperationException("The connection of the delivery's group transaction was lost before it committed; its work was rolled back.")).ConfigureAwait(false);
            }

            Connection ??= await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Starts a turn: opens the connection and the group's transaction if needed, ends the last turn, sets this
        /// turn's savepoint, and inserts the inbox key (<c>ON CONFLICT DO NOTHING</c>), all in one round trip.
        /// </summary>
        /// <returns>Whether the key was inserted (false: it was there, or no key was given).</returns>
        public async ValueTask<bool> BeginTurnAsync(string? endpoint, string? key, CancellationToken cancellationToken)
        {
            for (int tries = 0; ; tries++)
            {
                await using var batch = new NpgsqlBatch();
                NpgsqlBatchCommand? insert = null;
                try
                {
                    Connection ??= await store.OpenAsync(cancellationToken).ConfigureAwait(false);
                    Transaction ??= await Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    batch.Connection = Connection;
                    batch.Transaction = Transaction;
                    AddPending(batch);
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(SetSavepoint));
                    if (key is not null)
                    {
                        insert = new NpgsqlBatchCommand(store.Sql.InboxAdd);
                        PostgresMessageStore.AddInboxKey(insert.Parameters, endpoint!, key);
                        insert.Parameters.Add(PostgresSql.Value(store.Time.GetUtcNow()));
                        batch.BatchCommands.Add(insert);
                    }

                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    Pending = Pending.Rollback; // until the turn ends: what a holder that never ends its turn leaves is undone
                    _previous = null;
                    if (insert?.RecordsAffected > 0)
                    {
                        Inserted(endpoint!, key!);
                        return true;
                    }

                    return false;
                }
                catch (PostgresException ex) when (!Broken)
                {
                    // Which statement failed is told by its error: ours cannot fail but for the two below, so anything
                    // else is the key's insert (a lock wait that deadlocked, a timeout).
                    if (ex.SqlState == PostgresErrorCodes.InFailedSqlTransaction && Pending == Pending.Release && tries < 2)
                    {
                        // The transaction was aborted before this batch: by the last turn's handler, which caught an SQL
                        // error and carried on. Its work is undone, and it learns so from its commit; this turn starts again.
                        Undo(ex);
                        Pending = Pending.Rollback;
                        _previous = null;
                        continue;
                    }

                    if (insert is not null && ex.SqlState is not (PostgresErrorCodes.InFailedSqlTransaction or PostgresErrorCodes.InvalidSavepointSpecification))
                    {
                        // This turn's savepoint is set: undone when the turn ends.
                        Pending = Pending.Rollback;
                        _previous = null;
                        throw;
                    }

                    await LoseAsync(ex).ConfigureAwait(false);
                    throw;
                }
                catch (Exception ex)
                {
                    // The connection is gone, and the group with it: its deliveries fail, and this turn starts a new group
                    // (once; a second failure is the caller's).
                    await LoseAsync(ex).ConfigureAwait(false);
                    if (tries > 0 || ex is OperationCanceledException)
                    {
                        throw;
                    }
                }
            }
        }

        /// <summary>Ends the holder's turn, keeping its work for the group's commit; <paramref name="member"/> completes when the group commits.</summary>
        public void Keep(PostgresConsumeTransaction member)
        {
            _kept.Add(member);
            _previous = member;
            Pending = Pending.Release;
        }

        /// <summary>Ends the last turn and commits the group in one round trip; completes (or fails) each kept delivery.</summary>
        public async ValueTask CommitAsync()
        {
            if (Transaction is null)
            {
                Complete(null);
                return;
            }

            for (int tries = 0; ; tries++)
            {
                await using var batch = new NpgsqlBatch(Connection!, Transaction);
                AddPending(batch);
                batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
                try
                {
                    await batch.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                    break;
                }
                catch (PostgresException ex) when (tries < 2 && Pending == Pending.Release && ex.SqlState == PostgresErrorCodes.InFailedSqlTransaction && !Broken)
                {
                    Undo(ex);
                    Pending = Pending.Rollback;
                }
                catch (Exception ex)
                {
                    await LoseAsync(ex).ConfigureAwait(false);
                    return;
                }
            }

            await EndTransactionAsync().ConfigureAwait(false);
            Complete(null);
        }

        private bool Broken => Connection is null || IsBroken(Connection);

        /// <summary>Adds what the last turn's end needs to the front of <paramref name="batch"/>.</summary>
        private void AddPending(NpgsqlBatch batch)
        {
            if (Pending == Pending.Rollback)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(RollbackSavepoint));
            }

            if (Pending != Pending.None)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(ReleaseSavepoint));
            }
        }

        /// <summary>The kept delivery whose savepoint would not release is failed and taken out of the group.</summary>
        private void Undo(PostgresException ex)
        {
            if (_previous is { } previous && _kept.Remove(previous))
            {
                previous.Fail(new InvalidOperationException(
                    "The delivery's handler caught an SQL error and went on, which aborts a PostgreSQL transaction: its work was rolled back. " +
                    "Around a statement that may fail, set a savepoint of your own (NpgsqlTransaction.SaveAsync, then RollbackAsync(name) on failure).",
                    ex));
            }
        }

        /// <summary>The connection broke: the server rolled the group back. Every kept delivery has lost its transaction; the lane starts over.</summary>
        private async ValueTask LoseAsync(Exception ex)
        {
            try
            {
                await EndTransactionAsync().ConfigureAwait(false);
                if (Connection is not null)
                {
                    await Connection.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (Exception disposing) when (disposing is NpgsqlException or InvalidOperationException or ObjectDisposedException)
            {
                // The connection is broken already; what matters is that the lane lets go of it.
            }
            finally
            {
                Transaction = null;
                Connection = null;
                Pending = Pending.None;
                _previous = null;
                _keys.Clear();
                Complete(ex);
            }
        }

        private async ValueTask EndTransactionAsync()
        {
            if (Transaction is not null)
            {
                try
                {
                    await Transaction.DisposeAsync().ConfigureAwait(false);
                }
                catch (NpgsqlException)
                {
                    // The connection broke: nothing is left to roll back.
                }

                Transaction = null;
            }

            Pending = Pending.None;
            _previous = null;
            _keys.Clear();
        }

        private void Complete(Exception? error)
        {
            foreach (PostgresConsumeTransaction member in _kept)
            {
                if (error is null)
                {
                    member.Committed();
                }
                else
                {
                    member.Lost(error);
                }
            }

            _kept.Clear();
        }

        public async ValueTask DisposeAsync()
        {
            await EndTransactionAsync().ConfigureAwait(false);
            if (Connection is not null)
            {
                await Connection.DisposeAsync().ConfigureAwait(false);
                Connection = null;
            }

            Complete(new ObjectDisposedException(nameof(PostgresMessageStore), "The PostgreSQL store is closed."));
        }
    }
}
