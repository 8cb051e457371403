using System;
using Contracts.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// In namespace Contracts, like every Use* extension, so callers need no extra using.
namespace Contracts;

/// <summary>Turns on the PostgreSQL store, the outbox on a caller's transaction, and the consume transaction of a handler.</summary>
public static class PostgresContractsExtensions
{
    /// <summary>
    /// Keeps messages in PostgreSQL, shared by every process on the same database and schema: in-process endpoints become
    /// durable (a send returns once committed; a message is removed only after its handler succeeded; the work of a
    /// process that stops or dies is taken over by the others), and dead letters, inbox keys and the outbox live in the
    /// same schema. The schema is created or upgraded when the bus starts.
    /// </summary>
    /// <param name="options">The bus options.</param>
    /// <param name="connectionString">An Npgsql connection string, for example <c>Host=127.0.0.1;Username=postgres;Database=shop</c>.</param>
    /// <param name="configure">Schema name, migration and wake-up settings.</param>
    /// <returns>The options, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string or the schema name is not valid.</exception>
    public static ContractsOptions UsePostgres(this ContractsOptions options, string connectionString, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var store = new PostgresStoreOptions { ConnectionString = connectionString };
        configure?.Invoke(store);

        // Checked now, so a typo fails where the application is configured rather than when the bus starts.
        PostgresSchema.Validate(store.Schema);
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(
                $"The PostgreSQL connection string given to UsePostgres is not valid: {ex.Message} Example: Host=127.0.0.1;Username=postgres;Database=shop", nameof(connectionString), ex);
        }

        return options.UseStore(sp => new PostgresMessageStore(store, sp.GetService<TimeProvider>() ?? TimeProvider.System));
    }

    /// <summary>
    /// The transactional outbox: sends and publishes through the returned <see cref="IOutbox"/> are written in
    /// <paramref name="transaction"/>, so they commit with the caller's business change or not at all; a relay (in this
    /// process or another on the same database) delivers them after the commit. The transaction must be on the database
    /// given to <see cref="UsePostgres"/>, and the bus must have started (it creates the tables).
    /// </summary>
    /// <param name="bus">The bus.</param>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <param name="schema">The schema given to <see cref="UsePostgres"/> (<see cref="PostgresStoreOptions.Schema"/>).</param>
    /// <returns>The outbox bound to the transaction.</returns>
    public static IOutbox WithTransaction(this IMessageBus bus, NpgsqlTransaction transaction, string schema = PostgresStoreOptions.DefaultSchema)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        PostgresSchema.Validate(schema);
        return bus.Outbox(new PostgresOutboxWriter(transaction, PostgresSql.For(schema)));
    }

    /// <summary>
    /// The transaction of this delivery on an <see cref="DeliveryMode.EffectivelyOnce"/> endpoint: run the handler's own
    /// SQL on <see cref="NpgsqlTransaction.Connection"/> in it, and its change commits together with the inbox key, so it
    /// happens exactly once. Deliveries that run meanwhile share it, each in a savepoint of its own, and it commits once
    /// for all of them: do not commit, roll back or dispose it, and do not use it after the handler returns. A
    /// statement that fails aborts it until the delivery's savepoint is rolled back (its work is undone, and it is
    /// retried); around a statement that may fail, set a savepoint of your own.
    /// </summary>
    /// <param name="context">The handler's context.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="InvalidOperationException">The endpoint is not EffectivelyOnce or the store is not PostgreSQL.</exception>
    public static NpgsqlTransaction GetPostgresTransaction(this MessageContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return (context.Transaction as PostgresConsumeTransaction)?.Transaction ?? throw new InvalidOperationException(
            $"Endpoint '{context.Endpoint}' has no PostgreSQL consume transaction. It exists on endpoints with Delivery = DeliveryMode.EffectivelyOnce " +
            "when the bus uses UsePostgres.");
    }
}
