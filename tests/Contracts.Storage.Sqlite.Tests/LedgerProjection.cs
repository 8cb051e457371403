using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>
/// A read model in the store's own file (table <c>ledger</c>), written in the projection's transaction. Deliberately
/// not idempotent (a deposit adds to the balance and counts one more event): an event projected twice, or lost, shows.
/// A deposit of -1 throws.
/// </summary>
[Projection(Name = "ledger")]
public sealed partial class LedgerProjection : IProjection<AccountOpened>, IProjection<Deposited>, IRebuildableProjection
{
    public const string Schema = "CREATE TABLE IF NOT EXISTS ledger (account TEXT PRIMARY KEY, owner TEXT NOT NULL, balance NUMERIC NOT NULL, events INTEGER NOT NULL)";

    public ValueTask ProjectAsync(AccountOpened @event, ProjectionContext context, CancellationToken cancellationToken)
    {
        Execute(context, "INSERT INTO ledger (account, owner, balance, events) VALUES ($id, $owner, 0, 1)", @event.AccountId, @event.Owner);
        return ValueTask.CompletedTask;
    }

    public ValueTask ProjectAsync(Deposited @event, ProjectionContext context, CancellationToken cancellationToken)
    {
        if (@event.Amount == -1)
        {
            throw new InvalidOperationException($"deposit -1 refused at position {context.Recorded.Position}");
        }

        Execute(context, "UPDATE ledger SET balance = balance + $amount, events = events + 1 WHERE account = $id", @event.AccountId, @event.Amount);
        return ValueTask.CompletedTask;
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken cancellationToken)
    {
        SqliteTransaction transaction = context.GetSqliteTransaction();
        using SqliteCommand command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM ledger";
        command.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    private static void Execute(ProjectionContext context, string sql, Guid account, object value)
    {
        SqliteTransaction transaction = context.GetSqliteTransaction();
        using SqliteCommand command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", account.ToString());
        command.Parameters.AddWithValue(sql.Contains("$owner", StringComparison.Ordinal) ? "$owner" : "$amount", value);
        command.ExecuteNonQuery();
    }
}
