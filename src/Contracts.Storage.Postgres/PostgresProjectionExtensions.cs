using System;
using Contracts.Storage.Postgres;
using Npgsql;

// In namespace Contracts, like every Use* extension, so callers need no extra using.
namespace Contracts;

/// <summary>The PostgreSQL transaction of a projection step, for a read model kept in the store's own database.</summary>
public static class PostgresProjectionExtensions
{
    /// <summary>
    /// The transaction of this projection step: run the read model's SQL on <see cref="NpgsqlTransaction.Connection"/>
    /// in it, and it commits together with the checkpoint (asynchronous) or with the append (inline), so every event is
    /// projected exactly once. Do not commit or dispose it.
    /// </summary>
    /// <param name="context">The projection's context.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="InvalidOperationException">The bus does not use <c>UsePostgres</c>.</exception>
    public static NpgsqlTransaction GetPostgresTransaction(this ProjectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return (context.Transaction as PostgresMessageStore.PostgresEventLogTransaction)?.Transaction ?? throw new InvalidOperationException(
            $"Projection '{context.Projection}' has no PostgreSQL transaction: its bus keeps its event log in {context.Transaction.GetType().Name}, not UsePostgres.");
    }
}
