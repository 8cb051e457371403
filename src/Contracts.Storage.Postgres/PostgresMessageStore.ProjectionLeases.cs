using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Projection leases (<c>projection_leases</c>, migration 10): each call one statement on a pooled connection. A lease is
/// checked in an event-log transaction with <c>FOR SHARE</c>: the row stays locked to that transaction's end, so a
/// take-over (an update of the row) waits for it and then finds the token moved on, while the batches of one holder's
/// parallel workers, which only share the lock, do not wait for each other.
/// </summary>
public sealed partial class PostgresMessageStore
{
    private LeaseSql Leases => LeaseSql.For(Schema);

    async ValueTask<long> IEventLogStore.AcquireLeaseAsync(string subscription, StoreClaim claim, bool takeOver, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(Leases.Acquire);
        command.Parameters.Add(PostgresSql.Value(subscription));
        command.Parameters.Add(PostgresSql.Value(claim.Owner));
        command.Parameters.Add(PostgresSql.Value(claim.Until));
        command.Parameters.Add(PostgresSql.Value(_time.GetUtcNow()));
        command.Parameters.Add(PostgresSql.Value(takeOver));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long token ? token : 0;
    }

    async ValueTask<bool> IEventLogStore.RenewLeaseAsync(string subscription, long token, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(Leases.Renew);
        command.Parameters.Add(PostgresSql.Value(subscription));
        command.Parameters.Add(PostgresSql.Value(token));
        command.Parameters.Add(PostgresSql.Value(until));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    async ValueTask IEventLogStore.ReleaseLeaseAsync(string subscription, long token, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(Leases.Release);
        command.Parameters.Add(PostgresSql.Value(subscription));
        command.Parameters.Add(PostgresSql.Value(token));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    async ValueTask<bool> IEventLogStore.HoldsLeaseAsync(IEventLogTransaction transaction, string subscription, long token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        NpgsqlTransaction held = (transaction as PostgresEventLogTransaction)?.Transaction ?? throw new ArgumentException(
            $"The transaction is a {transaction.GetType().Name}, not one that PostgresMessageStore.BeginTransactionAsync began.", nameof(transaction));
        await using var command = new NpgsqlCommand(Leases.Holds, held.Connection, held);
        command.Parameters.Add(PostgresSql.Value(subscription));
        command.Parameters.Add(PostgresSql.Value(token));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>The lease statements of one schema, built once per schema and process.</summary>
    private sealed class LeaseSql
    {
        private static readonly ConcurrentDictionary<string, LeaseSql> s_bySchema = new(StringComparer.Ordinal);

        private LeaseSql(string schema)
        {
            string t = PostgresSql.Quote(schema) + ".projection_leases";
            // A free row ($4 is now by the store's clock) or a take-over ($5) moves to the taker with the next token; a
            // held one returns no row. Two takers at once: the second waits for the first's row lock, then sees it held.
            Acquire =
                $"INSERT INTO {t} AS l (subscription, owner, token, leased_until) VALUES ($1, $2, 1, $3) " +
                "ON CONFLICT (subscription) DO UPDATE SET owner = excluded.owner, token = l.token + 1, leased_until = excluded.leased_until " +
                "WHERE l.owner IS NULL OR l.leased_until < $4 OR $5 RETURNING token";
            Renew = $"UPDATE {t} SET leased_until = $3 WHERE subscription = $1 AND token = $2 AND owner IS NOT NULL";
            Release = $"UPDATE {t} SET owner = NULL WHERE subscription = $1 AND token = $2";
            Holds = $"SELECT 1 FROM {t} WHERE subscription = $1 AND token = $2 AND owner IS NOT NULL FOR SHARE";
        }

        public string Acquire { get; }

        public string Renew { get; }

        public string Release { get; }

        public string Holds { get; }

        public static LeaseSql For(string schema) => s_bySchema.GetOrAdd(schema, static s => new LeaseSql(s));
    }
}
