using System;
using Contracts.Storage.Sqlite;
using Microsoft.Data.Sqlite;

// In namespace Contracts, like every Use* extension, so callers need no extra using.
namespace Contracts;

/// <summary>The SQLite transaction of a projection step, for a read model kept in the store's own database.</summary>
public static class SqliteProjectionExtensions
{
    /// <summary>
    /// The transaction of this projection step: run the read model's SQL on <see cref="SqliteTransaction.Connection"/>
    /// in it, and it commits together with the checkpoint (asynchronous) or with the append (inline), so every event is
    /// projected exactly once. Do not commit or dispose it.
    /// </summary>
    /// <param name="context">The projection's context.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="InvalidOperationException">The bus does not use <c>UseSqlite</c>.</exception>
    public static SqliteTransaction GetSqliteTransaction(this ProjectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return (context.Transaction as SqliteMessageStore.ISqliteEventLogTransaction)?.Transaction ?? throw new InvalidOperationException(
            $"Projection '{context.Projection}' has no SQLite transaction: its bus keeps its event log in {context.Transaction.GetType().Name}, not UseSqlite.");
    }
}
