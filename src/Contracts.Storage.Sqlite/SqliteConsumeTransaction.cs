using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>One delivery's transaction on an EffectivelyOnce endpoint: the handler's SQL, the inbox key and the removal of the message.</summary>
internal sealed class SqliteConsumeTransaction(SqliteConnection connection, SqliteTransaction transaction, TimeProvider time) : IConsumeTransaction
{
    private bool _done;

    public SqliteTransaction Transaction => transaction;

    public ValueTask<bool> IsInInboxAsync(string endpoint, string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SqliteMessageStore.InboxContains(connection, transaction, endpoint, key));

    public ValueTask CommitAsync(string endpoint, MessageRecord? record, string? inboxKey, CancellationToken cancellationToken)
    {
        if (inboxKey is not null)
        {
            using SqliteCommand insert = SqliteSql.Command(connection, "INSERT INTO contracts_inbox (endpoint, key, processed_at) VALUES ($endpoint, $key, $at)", "$endpoint", "$key", "$at");
            insert.Transaction = transaction;
            insert.Parameters[0].Value = endpoint;
            insert.Parameters[1].Value = inboxKey;
            insert.Parameters[2].Value = time.GetUtcNow().ToUnixTimeMilliseconds();
            insert.ExecuteNonQuery();
        }

        if (record is { Sequence: > 0 })
        {
            using SqliteCommand delete = SqliteSql.Command(connection, "DELETE FROM contracts_queue WHERE seq = $seq", "$seq");
            delete.Transaction = transaction;
            delete.Parameters[0].Value = record.Sequence;
            delete.ExecuteNonQuery();
        }

        transaction.Commit();
        _done = true;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_done)
            {
                transaction.Rollback();
            }
        }
        finally
        {
            transaction.Dispose();
            connection.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Writes outbox rows in the caller's transaction.</summary>
internal sealed class SqliteOutboxWriter(SqliteTransaction transaction) : IOutboxWriter
{
    public ValueTask WriteAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        SqliteConnection connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has already been committed or rolled back.");
        using SqliteCommand insert = SqliteSql.InsertMessage(connection, "contracts_outbox");
        insert.Transaction = transaction;
        SqliteSql.Bind(insert, record);
        try
        {
            insert.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"The transaction's database has no outbox table. Use a transaction on the database given to UseSqlite ('{connection.DataSource}' is not it), after the bus has started.", ex);
        }

        return ValueTask.CompletedTask;
    }
}
