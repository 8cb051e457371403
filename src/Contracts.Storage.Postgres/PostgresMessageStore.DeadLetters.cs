using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

public sealed partial class PostgresMessageStore
{
    async ValueTask IDeadLetterStore.AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        // The letter and the removal of its queued row: one batch, one implicit transaction.
        await using NpgsqlBatch batch = Batch();
        var insert = new NpgsqlBatchCommand(_sql.DeadLetterAdd);
        NpgsqlParameterCollection p = insert.Parameters;
        PostgresSql.AddMessage(p, letter.Message);
        p.Add(PostgresSql.Value((int)letter.Reason));
        p.Add(PostgresSql.Value(letter.ExceptionType));
        p.Add(PostgresSql.Value(letter.ExceptionMessage));
        p.Add(PostgresSql.Value(letter.StackTrace));
        p.Add(PostgresSql.Value(letter.Attempts));
        p.Add(PostgresSql.Value(letter.FirstFailedAt));
        p.Add(PostgresSql.Value(letter.LastFailedAt));
        batch.BatchCommands.Add(insert);
        if (letter.Message.Sequence > 0)
        {
            var delete = new NpgsqlBatchCommand(_sql.Complete);
            delete.Parameters.Add(PostgresSql.Value(letter.Message.Sequence));
            batch.BatchCommands.Add(delete);
        }

        letter.Id = (long)(await batch.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    async ValueTask<IReadOnlyList<DeadLetter>> IDeadLetterStore.ListAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.DeadLetterList);
        command.Parameters.Add(PostgresSql.Value(afterId));
        command.Parameters.Add(PostgresSql.Value(limit));
        return await ReadDeadLettersAsync(command, cancellationToken).ConfigureAwait(false);
    }

    async ValueTask<long> IDeadLetterStore.CountAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.DeadLetterCount);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    async ValueTask<DeadLetter?> IDeadLetterStore.FindAsync(long id, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.DeadLetterFind);
        command.Parameters.Add(PostgresSql.Value(id));
        List<DeadLetter> found = await ReadDeadLettersAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    async ValueTask<bool> IDeadLetterStore.ReplayAsync(long id, MessageRecord requeued, StoreClaim claim, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.DeadLetterReplay);
        PostgresSql.AddMessage(command.Parameters, requeued);
        command.Parameters.Add(PostgresSql.Value(claim.Owner));
        command.Parameters.Add(PostgresSql.Value(claim.Until));
        command.Parameters.Add(PostgresSql.Value(id));
        long call = NextClaimCall();
        command.Parameters.Add(PostgresSql.Value(call));
        object? returned;
        try
        {
            returned = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            RememberDoubt(claim.Owner, call);
            throw;
        }

        if (returned is not long sequence)
        {
            return false;
        }

        requeued.Sequence = sequence;
        return true;
    }

    async ValueTask<bool> IDeadLetterStore.RemoveAsync(long id, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.DeadLetterRemove);
        command.Parameters.Add(PostgresSql.Value(id));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    ValueTask<int> IDeadLetterStore.PurgeAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken) =>
        failedBefore is { } cutOff ? DeleteBeforeAsync(_sql.DeadLetterPurge, cutOff, cancellationToken) : PurgeAllAsync(cancellationToken);

    private async ValueTask<int> PurgeAllAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.DeadLetterPurgeAll);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<DeadLetter>> ReadDeadLettersAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            int after = 1 + PostgresSql.MessageParameterCount;
            letters.Add(new DeadLetter
            {
                Id = reader.GetInt64(0),
                Message = PostgresSql.Read(reader, 1, 0),
                Reason = (DeadLetterReason)reader.GetInt32(after),
                ExceptionType = reader.GetString(after + 1),
                ExceptionMessage = reader.GetString(after + 2),
                StackTrace = reader.GetString(after + 3),
                Attempts = reader.GetInt32(after + 4),
                FirstFailedAt = reader.GetFieldValue<DateTimeOffset>(after + 5),
                LastFailedAt = reader.GetFieldValue<DateTimeOffset>(after + 6),
            });
        }

        return letters;
    }
}
