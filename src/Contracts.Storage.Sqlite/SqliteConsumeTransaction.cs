using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// One delivery's transaction on an EffectivelyOnce endpoint: the handler's SQL, the messages it sends (outbox rows)
/// and the inbox key. SQLite has one writer at a time, so the transaction (BEGIN IMMEDIATE, which takes the write lock)
/// starts only when the handler first asks for it or at commit, not while the handler waits on anything else. The
/// inbox row's primary key decides a race between two deliveries of one key: the second commit fails and rolls back.
/// </summary>
internal sealed class SqliteConsumeTransaction(SqliteMessageStore store, TimeProvider time) : IConsumeTransaction
{
    private SqliteConnection? _connection;
    private SqliteTransaction? _transaction;
    private bool _done;

    public SqliteTransaction Transaction
    {
        get
        {
            if (_transaction is null)
            {
                ObjectDisposedException.ThrowIf(_done, this);
                _connection = store.OpenConnection();
                _transaction = _connection.BeginTransaction(deferred: false);
            }

            return _transaction;
        }
    }

    public ValueTask<bool> IsInInboxAsync(string endpoint, string key, CancellationToken cancellationToken) => store.Inbox.ContainsAsync(endpoint, key, cancellationToken);

    public ValueTask WriteOutboxAsync(MessageRecord record, CancellationToken cancellationToken) =>
        new SqliteOutboxWriter(Transaction).WriteAsync(record, cancellationToken);

    public ValueTask CommitAsync(string endpoint, string inboxKey, CancellationToken cancellationToken)
    {
        SqliteTransaction transaction = Transaction;
        using (SqliteCommand insert = SqliteSql.Command(
            _connection!, "INSERT INTO contracts_inbox (endpoint, key, processed_at) VALUES ($endpoint, $key, $at)", "$endpoint", "$key", "$at"))
        {
            insert.Transaction = transaction;
            insert.Parameters[0].Value = endpoint;
            insert.Parameters[1].Value = inboxKey;
            insert.Parameters[2].Value = time.GetUtcNow().ToUnixTimeMilliseconds();
            try
            {
                insert.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19) // SQLITE_CONSTRAINT: the key is there already
            {
                throw new DuplicateMessageException(endpoint, inboxKey, ex);
            }
        }

        transaction.Commit();
        _done = true;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_done && _transaction is not null)
            {
                _transaction.Rollback();
            }
        }
        finally
        {
            _done = true;
            _transaction?.Dispose();
            _connection?.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
