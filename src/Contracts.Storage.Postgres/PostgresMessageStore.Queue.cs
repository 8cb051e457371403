using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

public sealed partial class PostgresMessageStore
{
    async ValueTask IQueueStore.EnqueueAsync(IReadOnlyList<MessageRecord> records, StoreClaim claim, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        // With the other sends waiting at the same time: one round trip, one commit (PostgresGroupCommit).
        ThrowIfNotOpen();
        long call = NextClaimCall();
        try
        {
            await _groupCommit.EnqueueAsync(records, claim, call, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            RememberDoubt(claim.Owner, call);
            throw;
        }
    }

    async ValueTask<IReadOnlyList<MessageRecord>> IQueueStore.ClaimAsync(IReadOnlyCollection<string> endpoints, StoreClaim claim, int limit, CancellationToken cancellationToken)
    {
        string[] names = endpoints as string[] ?? [.. endpoints];
        await using NpgsqlCommand command = Command(_sql.ClaimQueue);
        command.Parameters.Add(PostgresSql.Value(claim.Owner));
        command.Parameters.Add(PostgresSql.Value(claim.Until));
        command.Parameters.Add(PostgresSql.Value(_time.GetUtcNow()));
        command.Parameters.Add(PostgresSql.Value(names));
        command.Parameters.Add(PostgresSql.Value(limit));
        long call = NextClaimCall();
        command.Parameters.Add(PostgresSql.Value(call));
        return await ReadClaimedAsync(command, claim, call, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a claim and reads its <c>seq, MessageColumns, deliveries</c> rows, oldest first (RETURNING keeps no order);
    /// a failure leaves claiming call <paramref name="call"/> in doubt.
    /// </summary>
    private async Task<IReadOnlyList<MessageRecord>> ReadClaimedAsync(NpgsqlCommand command, StoreClaim claim, long call, CancellationToken cancellationToken)
    {
        var records = new List<MessageRecord>();
        try
        {
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                MessageRecord record = PostgresSql.Read(reader, 1, reader.GetInt64(0));
                record.Deliveries = reader.GetInt32(1 + PostgresSql.MessageParameterCount);
                records.Add(record);
            }
        }
        catch (Exception)
        {
            RememberDoubt(claim.Owner, call);
            throw;
        }

        return PostgresSql.SortRecords(records);
    }

    ValueTask<int> IQueueStore.RenewAsync(StoreClaim claim, CancellationToken cancellationToken) => RenewClaimsAsync(claim, cancellationToken);

    async ValueTask<int> IQueueStore.ReleaseAsync(string owner, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = Batch();
        foreach (string sql in (ReadOnlySpan<string>)[_sql.ReleaseQueueOwner, _sql.ReleaseOutboxOwner])
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(PostgresSql.Value(owner));
            batch.BatchCommands.Add(command);
        }

        // Released rows are free at once: other buses need not wait for their next poll to take them.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.NotifyBoth));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[0].RecordsAffected + batch.BatchCommands[1].RecordsAffected;
    }

    ValueTask IQueueStore.ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) =>
        ReleaseRowsAsync(_sql.ReleaseQueueRows, records, cancellationToken);

    private async ValueTask ReleaseRowsAsync(string sql, IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        // No NOTIFY: rows given back one by one are a failure path (a delivery or a relay that failed); waking every bus
        // at once would only have them fail again sooner. They are taken at the next poll.
        await using NpgsqlCommand command = Command(sql);
        command.Parameters.Add(PostgresSql.Value(Sequences(records)));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static long[] Sequences(IReadOnlyList<MessageRecord> records)
    {
        long[] sequences = new long[records.Count];
        for (int i = 0; i < sequences.Length; i++)
        {
            sequences[i] = records[i].Sequence;
        }

        return sequences;
    }

    ValueTask IQueueStore.CompleteAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        // With the other removals and sends waiting at the same time: one DELETE of them all (PostgresGroupCommit).
        ThrowIfNotOpen();
        return new ValueTask(_groupCommit.CompleteAsync(record.Sequence, cancellationToken));
    }

    async ValueTask IQueueStore.RescheduleAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.Reschedule);
        command.Parameters.Add(PostgresSql.Value(record.Attempt));
        command.Parameters.Add(PostgresSql.Nullable(record.DueAt));
        command.Parameters.Add(PostgresSql.Nullable(record.FirstFailedAt));
        command.Parameters.Add(PostgresSql.Nullable(record.LastError));
        command.Parameters.Add(PostgresSql.Value(record.Sequence));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
