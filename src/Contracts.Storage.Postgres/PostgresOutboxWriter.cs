using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>Writes outbox rows in the caller's transaction, and wakes the store's relays when it commits.</summary>
internal sealed class PostgresOutboxWriter(NpgsqlTransaction transaction, PostgresSql sql) : IOutboxWriter
{
    public ValueTask WriteAsync(MessageRecord record, CancellationToken cancellationToken) => WriteAsync(transaction, sql, record, cancellationToken);

    public static async ValueTask WriteAsync(NpgsqlTransaction transaction, PostgresSql sql, MessageRecord record, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has already been committed or rolled back.");
        await using var batch = new NpgsqlBatch(connection, transaction);
        var insert = new NpgsqlBatchCommand(sql.OutboxInsert);
        PostgresSql.AddMessage(insert.Parameters, record);
        batch.BatchCommands.Add(insert);

        // NOTIFY is transactional: listeners hear it when the caller commits, and never when it rolls back.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(sql.NotifyOutbox));
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            throw new InvalidOperationException(
                $"The transaction's database has no outbox table '{sql.Schema}.outbox'. Use a transaction on the database given to UsePostgres " +
                $"(this one is '{connection.Database}'), with the schema given there, after the bus has started (it creates the tables).", ex);
        }
    }
}
