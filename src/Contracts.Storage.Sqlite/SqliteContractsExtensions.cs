using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

// In namespace Contracts, like every Use* extension, so callers need no extra using.
namespace Contracts;

/// <summary>Turns on the SQLite store, the outbox on a caller's transaction, and the consume transaction of a handler.</summary>
public static class SqliteContractsExtensions
{
    /// <summary>
    /// Keeps messages in SQLite: in-process endpoints become durable (a send returns once committed; a message is
    /// removed only after its handler succeeded; unfinished and delayed messages are delivered again after a
    /// restart), and dead letters, inbox keys and the outbox live in the same file. WAL mode, group commit.
    /// </summary>
    /// <param name="options">The bus options.</param>
    /// <param name="connectionString">For example <c>Data Source=data/shop.db</c>. One file per application: every endpoint found in it is this application's.</param>
    /// <param name="configure">Durability and batching settings.</param>
    /// <returns>The options, for chaining.</returns>
    public static ContractsOptions UseSqlite(this ContractsOptions options, string connectionString, Action<SqliteStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var store = new SqliteStoreOptions { ConnectionString = connectionString };
        configure?.Invoke(store);
        return options.UseStore(sp => new SqliteMessageStore(store, sp.GetService<TimeProvider>() ?? TimeProvider.System));
    }

    /// <summary>
    /// The transactional outbox: sends and publishes through the returned <see cref="IOutbox"/> are written in
    /// <paramref name="transaction"/>, so they commit with the caller's business change or not at all; the bus's
    /// relay delivers them after the commit. The transaction must be on the database given to <see cref="UseSqlite"/>,
    /// and the bus must have started (it creates the outbox table).
    /// </summary>
    /// <param name="bus">The bus.</param>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <returns>The outbox bound to the transaction.</returns>
    public static IOutbox WithTransaction(this IMessageBus bus, SqliteTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return bus.Outbox(new SqliteOutboxWriter(transaction));
    }

    /// <summary>
    /// The transaction of this delivery on an <see cref="DeliveryMode.EffectivelyOnce"/> endpoint: run the handler's
    /// own SQL on <see cref="SqliteTransaction.Connection"/> in it, and its change commits together with the inbox key
    /// and the removal of the message, so it happens exactly once. Do not commit or dispose it.
    /// </summary>
    /// <param name="context">The handler's context.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="InvalidOperationException">The endpoint is not EffectivelyOnce or the store is not SQLite.</exception>
    public static SqliteTransaction GetSqliteTransaction(this MessageContext context) => ConsumeTransaction(context).Transaction;

    /// <summary>
    /// <see cref="GetSqliteTransaction"/> without blocking a thread while the delivery waits for its turn on the store's
    /// writer (another handler may hold it with its own consume transaction). Do not commit or dispose it.
    /// </summary>
    /// <param name="context">The handler's context.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="InvalidOperationException">The endpoint is not EffectivelyOnce or the store is not SQLite.</exception>
    /// <exception cref="TimeoutException">The turn did not come within <see cref="SqliteStoreOptions.BusyTimeout"/>.</exception>
    public static ValueTask<SqliteTransaction> GetSqliteTransactionAsync(this MessageContext context, CancellationToken cancellationToken = default) =>
        ConsumeTransaction(context).GetTransactionAsync(cancellationToken);

    private static SqliteConsumeTransaction ConsumeTransaction(MessageContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Transaction as SqliteConsumeTransaction ?? throw new InvalidOperationException(
            $"Endpoint '{context.Endpoint}' has no SQLite consume transaction. It exists on endpoints with Delivery = DeliveryMode.EffectivelyOnce " +
            "when the bus uses UseSqlite.");
    }
}
