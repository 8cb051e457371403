using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Claims whose outcome the caller never learnt. A statement that claims rows (an enqueue held by its sender, a claim, a
/// replay) can commit on the server while its reply is lost: the server restarted or the connection broke after the
/// commit, or the caller cancelled. The caller sees an error and holds nothing, but the rows are claimed by its bus,
/// whose renewals would keep them claimed, and unhandled, for as long as it runs. So every claiming call writes a number
/// of its own into the rows it claims (<c>claim</c>), a call that fails is remembered here, and the next renewal gives
/// back the rows of the remembered calls, in the batch that renews the rest, before renewing them.
/// </summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>Calls that may have claimed rows nobody holds, waiting for the next renewal to give them back.</summary>
    private readonly ConcurrentQueue<Doubt> _doubts = new();

    /// <summary>The number of the last claiming call: unique within this store, and rows are matched by owner too.</summary>
    private long _claimCalls;

    /// <summary>A claiming call of <paramref name="Owner"/> whose caller saw it fail.</summary>
    private readonly record struct Doubt(string Owner, long Claim);

    /// <summary>The number of the next claiming call.</summary>
    private long NextClaimCall() => Interlocked.Increment(ref _claimCalls);

    /// <summary>Remembers a claiming call that failed: its rows, if it claimed any, are given back at the next renewal.</summary>
    private void RememberDoubt(string owner, long claim) => _doubts.Enqueue(new Doubt(owner, claim));

    /// <summary>How many failed claiming calls wait for the next renewal (for tests).</summary>
    internal int DoubtfulClaims => _doubts.Count;

    /// <summary>
    /// Adds to <paramref name="batch"/> the statements that give back the rows of remembered calls, and returns those
    /// calls; they are forgotten only once the batch has run (<see cref="Resolved"/>), or remembered again on failure.
    /// </summary>
    private List<Doubt>? TakeDoubts(NpgsqlBatch batch)
    {
        if (_doubts.IsEmpty)
        {
            return null;
        }

        var taken = new List<Doubt>();
        while (_doubts.TryDequeue(out Doubt doubt))
        {
            taken.Add(doubt);
        }

        // Grouped by owner: one bus uses a store (tests and hosts with several buses may share one), so almost always one group.
        var byOwner = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (Doubt doubt in taken)
        {
            if (!byOwner.TryGetValue(doubt.Owner, out List<long>? calls))
            {
                byOwner[doubt.Owner] = calls = [];
            }

            calls.Add(doubt.Claim);
        }

        foreach ((string owner, List<long> calls) in byOwner)
        {
            long[] numbers = [.. calls];
            foreach (string sql in (ReadOnlySpan<string>)[_sql.ReleaseQueueDoubts, _sql.ReleaseOutboxDoubts])
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.Add(PostgresSql.Value(owner));
                command.Parameters.Add(PostgresSql.Value(numbers));
                batch.BatchCommands.Add(command);
            }
        }

        // Given-back rows are free at once: wake the buses that wait for work.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.NotifyBoth));
        return taken;
    }

    /// <summary>Forgets <paramref name="taken"/> after its batch ran, or remembers it again when the batch failed.</summary>
    private void Resolved(List<Doubt>? taken, bool ran)
    {
        if (taken is null || ran)
        {
            return;
        }

        foreach (Doubt doubt in taken)
        {
            _doubts.Enqueue(doubt);
        }
    }

    /// <summary>Renews <paramref name="claim"/>'s rows, first giving back those of its failed calls, in one batch.</summary>
    private async ValueTask<int> RenewClaimsAsync(StoreClaim claim, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = Batch();
        List<Doubt>? taken = TakeDoubts(batch);
        int renewals = batch.BatchCommands.Count;
        foreach (string sql in (ReadOnlySpan<string>)[_sql.RenewQueue, _sql.RenewOutbox])
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(PostgresSql.Value(claim.Owner));
            command.Parameters.Add(PostgresSql.Value(claim.Until));
            batch.BatchCommands.Add(command);
        }

        bool ran = false;
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            ran = true;
        }
        finally
        {
            Resolved(taken, ran);
        }

        return batch.BatchCommands[renewals].RecordsAffected + batch.BatchCommands[renewals + 1].RecordsAffected;
    }
}
