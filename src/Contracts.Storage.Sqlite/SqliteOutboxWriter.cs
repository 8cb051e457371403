using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

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
