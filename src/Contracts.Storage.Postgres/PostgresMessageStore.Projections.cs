using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Event-log transactions: an inline projection's append, or an asynchronous projection's batch, with the projection's
/// own SQL and its checkpoint, on one connection of the store's data source.
/// </summary>
public sealed partial class PostgresMessageStore
{
    async ValueTask<IEventLogTransaction> IEventLogStore.BeginTransactionAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        NpgsqlConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new PostgresEventLogTransaction(this, connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// One event-log transaction. An append in it holds its stream's row and the head row to the commit, as a plain
    /// append does: other appends wait for the projections that run meanwhile (that is what inline costs).
    /// </summary>
    internal sealed class PostgresEventLogTransaction(PostgresMessageStore store, NpgsqlConnection connection, NpgsqlTransaction transaction) : IEventLogTransaction
    {
        private bool _done;

        /// <summary>The PostgreSQL transaction: a projection's own commands run in it.</summary>
        public NpgsqlTransaction Transaction => transaction;

        public ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            return store.AppendInAsync(connection, transaction, streamId, expected, events, publish, cancellationToken);
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
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
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
