using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// Projection leases (<c>contracts_projection_leases</c>): taken, renewed and released through the writer loop. A lease
/// is checked in an event-log transaction, which holds the file's write lock from its start (<c>BEGIN IMMEDIATE</c>):
/// nobody can take the lease over before it ends.
/// </summary>
public sealed partial class SqliteMessageStore
{
    async ValueTask<long> IEventLogStore.AcquireLeaseAsync(string subscription, StoreClaim claim, bool takeOver, CancellationToken cancellationToken)
    {
        var op = new AcquireLeaseOp(subscription, claim, takeOver);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return op.Result;
    }

    async ValueTask<bool> IEventLogStore.RenewLeaseAsync(string subscription, long token, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var op = new ChangeLeaseOp(subscription, token, until);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return op.Result == 1;
    }

    ValueTask IEventLogStore.ReleaseLeaseAsync(string subscription, long token, CancellationToken cancellationToken) =>
        WriteAsync(new ChangeLeaseOp(subscription, token, until: null), cancellationToken);

    ValueTask<bool> IEventLogStore.HoldsLeaseAsync(IEventLogTransaction transaction, string subscription, long token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        SqliteTransaction held = (transaction as SqliteEventLogTransaction)?.Transaction ?? throw new ArgumentException(
            $"The transaction is a {transaction.GetType().Name}, not one that SqliteMessageStore.BeginTransactionAsync began.", nameof(transaction));
        using SqliteCommand command = held.Connection!.CreateCommand();
        command.Transaction = held;
        command.CommandText = "SELECT 1 FROM contracts_projection_leases WHERE subscription = $name AND token = $token AND owner IS NOT NULL";
        command.Parameters.AddWithValue("$name", subscription);
        command.Parameters.AddWithValue("$token", token);
        return ValueTask.FromResult(command.ExecuteScalar() is not null);
    }

    /// <summary>Takes a free (or, taking over, any) lease with the next token; <see cref="WriteOp.Result"/> is the token, 0 when refused.</summary>
    private sealed class AcquireLeaseOp(string subscription, StoreClaim claim, bool takeOver) : WriteOp
    {
        public override bool OneStatement => true;

        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.CommandText =
                "INSERT INTO contracts_projection_leases (subscription, owner, token, leased_until) VALUES ($name, $owner, 1, $until) " +
                "ON CONFLICT (subscription) DO UPDATE SET owner = excluded.owner, token = token + 1, leased_until = excluded.leased_until " +
                "WHERE owner IS NULL OR leased_until < $now OR $take_over RETURNING token";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$name", subscription);
            command.Parameters.AddWithValue("$owner", claim.Owner);
            command.Parameters.AddWithValue("$until", claim.Until.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$now", writer.Time.GetUtcNow().ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$take_over", takeOver);
            Result = command.ExecuteScalar() is long token ? token : 0;
        }
    }

    /// <summary>Renews (<paramref name="until"/>) or releases (null) a lease still held with <paramref name="token"/>; <see cref="WriteOp.Result"/> is 1 when it was.</summary>
    private sealed class ChangeLeaseOp(string subscription, long token, DateTimeOffset? until) : WriteOp
    {
        public override bool OneStatement => true;

        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.CommandText = until is not null
                ? "UPDATE contracts_projection_leases SET leased_until = $until WHERE subscription = $name AND token = $token AND owner IS NOT NULL"
                : "UPDATE contracts_projection_leases SET owner = NULL WHERE subscription = $name AND token = $token";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$name", subscription);
            command.Parameters.AddWithValue("$token", token);
            if (until is { } at)
            {
                command.Parameters.AddWithValue("$until", at.ToUnixTimeMilliseconds());
            }

            Result = command.ExecuteNonQuery();
        }
    }
}
