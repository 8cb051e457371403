using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

public sealed partial class PostgresMessageStore
{
    async ValueTask<IReadOnlyList<MessageRecord>> IOutboxStore.ClaimAsync(StoreClaim claim, int limit, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.ClaimOutbox);
        command.Parameters.Add(PostgresSql.Value(claim.Owner));
        command.Parameters.Add(PostgresSql.Value(claim.Until));
        command.Parameters.Add(PostgresSql.Value(_time.GetUtcNow()));
        command.Parameters.Add(PostgresSql.Value(limit));
        long call = NextClaimCall();
        command.Parameters.Add(PostgresSql.Value(call));
        return await ReadClaimedAsync(command, claim, call, cancellationToken).ConfigureAwait(false);
    }

    ValueTask IOutboxStore.ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) =>
        ReleaseRowsAsync(_sql.ReleaseOutboxRows, records, cancellationToken);

    async ValueTask IOutboxStore.MarkRelayedAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await using NpgsqlCommand command = Command(_sql.MarkRelayed);
        command.Parameters.Add(PostgresSql.Value(_time.GetUtcNow()));
        command.Parameters.Add(PostgresSql.Value(Sequences(records)));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    ValueTask<int> IOutboxStore.CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        DeleteBeforeAsync(_sql.OutboxCleanUp, before, cancellationToken);

    async ValueTask<bool> IInboxStore.ContainsAsync(string endpoint, string key, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.InboxContains);
        AddInboxKey(command.Parameters, endpoint, key);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    async ValueTask IInboxStore.AddAsync(string endpoint, string key, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.InboxAdd);
        AddInboxKey(command.Parameters, endpoint, key);
        command.Parameters.Add(PostgresSql.Value(_time.GetUtcNow()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static void AddInboxKey(NpgsqlParameterCollection parameters, string endpoint, string key)
    {
        parameters.Add(PostgresSql.Value(endpoint));
        parameters.Add(PostgresSql.Value(key));
    }

    ValueTask<int> IInboxStore.CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        DeleteBeforeAsync(_sql.InboxCleanUp, before, cancellationToken);

    private async ValueTask<int> DeleteBeforeAsync(string sql, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(sql);
        command.Parameters.Add(PostgresSql.Value(before));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
