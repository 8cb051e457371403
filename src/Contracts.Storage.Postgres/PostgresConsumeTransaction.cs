using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// One delivery's transaction on an EffectivelyOnce endpoint: the handler's SQL, the messages it sends (outbox rows) and
/// the inbox key, on one connection of the store's data source. PostgreSQL runs many writers at once, so the transaction
/// begins with the delivery and holds no lock but the rows it writes. The inbox row's primary key decides a race between
/// two deliveries of one key: the inbox row is written first (<see cref="IsInInboxAsync"/>), so the second delivery's
/// insert waits for the first transaction, and finds the key once it commits.
/// </summary>
internal sealed class PostgresConsumeTransaction : IConsumeTransaction
{
    private readonly PostgresMessageStore _store;
    private readonly NpgsqlConnection _connection;
    private (string Endpoint, string Key)? _recorded;
    private bool _done;

    private PostgresConsumeTransaction(PostgresMessageStore store, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _store = store;
        _connection = connection;
        Transaction = transaction;
    }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>The transaction's connection.</summary>
    public NpgsqlConnection Connection => _connection;

    /// <summary>
    /// <paramref name="transaction"/> as a consume transaction of <paramref name="store"/>: what <paramref name="role"/>
    /// writes in it commits only in its own database.
    /// </summary>
    public static PostgresConsumeTransaction Of(IConsumeTransaction transaction, PostgresMessageStore store, string role)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction is PostgresConsumeTransaction postgres && ReferenceEquals(postgres._store, store) ? postgres : throw new InvalidOperationException(
            $"The PostgreSQL {role} of schema '{store.Sql.Schema}' was given a consume transaction of another store ({transaction.GetType().Name}); " +
            "what it writes in a delivery's transaction commits only in its own database.");
    }

    public static async ValueTask<IConsumeTransaction> BeginAsync(PostgresMessageStore store, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new PostgresConsumeTransaction(store, connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Records the key at once, in the transaction, instead of only reading it: one round trip less per delivery (the
    /// commit then only commits), and a second delivery of the key that runs meanwhile in another process waits here,
    /// on the key's row, for this one to end (then finds the key if this one committed) instead of running its handler
    /// for nothing. A rollback removes the key with the rest.
    /// </summary>
    public async ValueTask<bool> IsInInboxAsync(string endpoint, string key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_store.Sql.InboxAdd, _connection, Transaction);
        PostgresMessageStore.AddInboxKey(command.Parameters, endpoint, key);
        command.Parameters.Add(PostgresSql.Value(_store.Time.GetUtcNow()));
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return true;
        }

        _recorded = (endpoint, key);
        return false;
    }

    public ValueTask WriteOutboxAsync(MessageRecord record, CancellationToken cancellationToken) =>
        PostgresOutboxWriter.WriteAsync(Transaction, _store.Sql, record, cancellationToken);

    public async ValueTask CommitAsync(string endpoint, string inboxKey, CancellationToken cancellationToken)
    {
        if (_recorded == (endpoint, inboxKey))
        {
            await Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _done = true;
            return;
        }

        await using (var insert = new NpgsqlCommand(_store.Sql.InboxRecord, _connection, Transaction))
        {
            PostgresMessageStore.AddInboxKey(insert.Parameters, endpoint, inboxKey);
            insert.Parameters.Add(PostgresSql.Value(_store.Time.GetUtcNow()));
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new DuplicateMessageException(endpoint, inboxKey, ex);
            }
        }

        await Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _done = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_done && Transaction.Connection is not null)
            {
                await Transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException)
        {
            // The connection broke: the server rolled the transaction back already.
        }
        finally
        {
            _done = true;
            await Transaction.DisposeAsync().ConfigureAwait(false);
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
