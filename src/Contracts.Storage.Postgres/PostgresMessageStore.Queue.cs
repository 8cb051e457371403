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

        // One INSERT per record in one batch: one round trip, one commit, and each statement's RETURNING is its record's.
        await using NpgsqlBatch batch = Batch();
        for (int i = 0; i < records.Count; i++)
        {
            batch.BatchCommands.Add(Insert(_sql.Enqueue, records[i], claim));
        }

        await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < records.Count; i++)
        {
            if (i > 0)
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            records[i].Sequence = reader.GetInt64(0);
        }
    }

    /// <summary>An insert of <paramref name="record"/> held by <paramref name="claim"/> (parameters $17 and $18).</summary>
    private static NpgsqlBatchCommand Insert(string sql, MessageRecord record, StoreClaim claim)
    {
        var command = new NpgsqlBatchCommand(sql);
        PostgresSql.AddMessage(command.Parameters, record);
        command.Parameters.Add(PostgresSql.Value(claim.Owner));
        command.Parameters.Add(PostgresSql.Value(claim.Until));
        return command;
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
        return await ReadRecordsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads claimed <c>seq, MessageColumns, deliveries</c> rows, oldest first (RETURNING keeps no order).</summary>
    private static async Task<IReadOnlyList<MessageRecord>> ReadRecordsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var records = new List<MessageRecord>();
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                MessageRecord record = PostgresSql.Read(reader, 1, reader.GetInt64(0));
                record.Deliveries = reader.GetInt32(1 + PostgresSql.MessageParameterCount);
                records.Add(record);
            }
        }

        return PostgresSql.SortRecords(records);
    }

    ValueTask<int> IQueueStore.RenewAsync(StoreClaim claim, CancellationToken cancellationToken) =>
        ForOwnerAsync(_sql.RenewQueue, _sql.RenewOutbox, claim.Owner, claim.Until, notify: false, cancellationToken);

    ValueTask<int> IQueueStore.ReleaseAsync(string owner, CancellationToken cancellationToken) =>
        ForOwnerAsync(_sql.ReleaseQueueOwner, _sql.ReleaseOutboxOwner, owner, until: null, notify: true, cancellationToken);

    /// <summary>Runs one statement on each of the queue and the outbox for <paramref name="owner"/>'s rows, in one batch.</summary>
    private async ValueTask<int> ForOwnerAsync(string queueSql, string outboxSql, string owner, DateTimeOffset? until, bool notify, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = Batch();
        foreach (string sql in (ReadOnlySpan<string>)[queueSql, outboxSql])
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(PostgresSql.Value(owner));
            if (until is { } end)
            {
                command.Parameters.Add(PostgresSql.Value(end));
            }

            batch.BatchCommands.Add(command);
        }

        if (notify)
        {
            // Released rows are free at once: other buses need not wait for their next poll to take them.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.Notify));
        }

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

    async ValueTask IQueueStore.CompleteAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.Complete);
        command.Parameters.Add(PostgresSql.Value(record.Sequence));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
