using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Event-log transactions: an inline projection's append, or an asynchronous projection's batch, with the projection's
/// own SQL and its checkpoint, on one connection of the store's data source; or, joined to a delivery's consume
/// transaction, the same on its connection, in a savepoint of their own.
/// </summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>The savepoint of an event-log transaction joined to a delivery's.</summary>
    private const string EventsSavepoint = "contracts_events";

    async ValueTask<IEventLogTransaction> IEventLogStore.BeginTransactionAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        NpgsqlConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new PostgresEventLogTransaction(this, connection, transaction, joined: false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    async ValueTask<IEventLogTransaction> IEventLogStore.JoinAsync(IConsumeTransaction transaction, CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        PostgresConsumeTransaction consume = PostgresConsumeTransaction.Of(transaction, this, "event log");

        // A failed statement aborts a whole PostgreSQL transaction: the savepoint lets a handler that catches a failed
        // append (or an inline projection's error) go on with the rest of its delivery.
        NpgsqlTransaction delivery = await consume.GetTransactionAsync(cancellationToken).ConfigureAwait(false);
        await delivery.SaveAsync(EventsSavepoint, cancellationToken).ConfigureAwait(false);
        return new PostgresEventLogTransaction(this, delivery.Connection!, delivery, joined: true);
    }

    /// <summary>
    /// One event-log transaction. An append in it holds its stream's row and the head row to the commit, as a plain
    /// append does: other appends wait for the projections that run meanwhile (that is what inline costs), and, joined
    /// to a delivery, for the rest of the delivery.
    /// </summary>
    internal sealed class PostgresEventLogTransaction(PostgresMessageStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, bool joined) : IEventLogTransaction
    {
        private bool _done;

        /// <summary>The PostgreSQL transaction: a projection's own commands run in it.</summary>
        public NpgsqlTransaction Transaction => transaction;

        public ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            return store.AppendInAsync(connection, transaction, streamId, expected, events, publish, cancellationToken);
        }

        public async ValueTask<IReadOnlyList<EventRecord>> ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            await using var batch = new NpgsqlBatch(connection, transaction);
            return await store.ReadStreamInAsync(batch, streamId, fromVersion, direction, maxCount, cancellationToken).ConfigureAwait(false);
        }

        public ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            return store.CloseStreamInAsync(connection, transaction, streamId, expected, archive: false, cancellationToken);
        }

        public ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            return store.CloseStreamInAsync(connection, transaction, streamId, expected, archive: true, cancellationToken);
        }

        public async ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            await using var command = new NpgsqlCommand(store.EventSql.SaveCheckpoint, connection, transaction);
            command.Parameters.Add(PostgresSql.Value(subscription));
            command.Parameters.Add(PostgresSql.Value(position));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask ResetCheckpointAsync(string subscription, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            await using var command = new NpgsqlCommand(store.EventSql.DeleteCheckpoint, connection, transaction);
            command.Parameters.Add(PostgresSql.Value(subscription));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            if (joined)
            {
                await transaction.ReleaseAsync(EventsSavepoint, cancellationToken).ConfigureAwait(false); // committed with the delivery
            }
            else
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (joined)
            {
                if (!_done && transaction.Connection is not null)
                {
                    // Undoes this transaction's writes only; the delivery's transaction, and its other work, go on.
                    _done = true;
                    await transaction.RollbackAsync(EventsSavepoint, CancellationToken.None).ConfigureAwait(false);
                    await transaction.ReleaseAsync(EventsSavepoint, CancellationToken.None).ConfigureAwait(false);
                }

                return;
            }

            try
            {
                if (!_done && transaction.Connection is not null)
                {
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (NpgsqlException)
            {
                // The connection broke: the server rolled the transaction back already.
            }
            finally
            {
                _done = true;
                await transaction.DisposeAsync().ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
