using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>The dead-letter role: reads on pooled connections, writes (add, replay, remove, purge) through the writer loop.</summary>
public sealed partial class SqliteMessageStore
{
    ValueTask IDeadLetterStore.AddAsync(DeadLetter letter, CancellationToken cancellationToken) =>
        WriteAsync(new DeadLetterOp(letter), cancellationToken);

    ValueTask<IReadOnlyList<DeadLetter>> IDeadLetterStore.ListAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = SqliteSql.Command(
            connection,
            $"SELECT {DeadLetterColumns} FROM contracts_dead_letters WHERE id > $after ORDER BY id LIMIT $limit",
            "$after", "$limit");
        command.Parameters[0].Value = afterId;
        command.Parameters[1].Value = limit;
        return ValueTask.FromResult<IReadOnlyList<DeadLetter>>(ReadDeadLetters(command));
    }

    ValueTask<long> IDeadLetterStore.CountAsync(CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM contracts_dead_letters";
        return ValueTask.FromResult(Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    ValueTask<DeadLetter?> IDeadLetterStore.FindAsync(long id, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = SqliteSql.Command(connection, $"SELECT {DeadLetterColumns} FROM contracts_dead_letters WHERE id = $id", "$id");
        command.Parameters[0].Value = id;
        List<DeadLetter> found = ReadDeadLetters(command);
        return ValueTask.FromResult(found.Count == 0 ? null : found[0]);
    }

    async ValueTask<bool> IDeadLetterStore.ReplayAsync(long id, MessageRecord requeued, StoreClaim claim, CancellationToken cancellationToken)
    {
        var op = new ReplayOp(id, requeued, claim);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return op.Result != 0;
    }

    async ValueTask<bool> IDeadLetterStore.RemoveAsync(long id, CancellationToken cancellationToken)
    {
        var op = new ReplayOp(id, requeued: null, claim: default);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return op.Result != 0;
    }

    async ValueTask<int> IDeadLetterStore.PurgeAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken)
    {
        var op = new PurgeOp(failedBefore);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return (int)op.Result;
    }

    private const string DeadLetterColumns =
        $"id, {SqliteSql.MessageColumns}, reason, exception_type, exception_message, stack_trace, attempts, failed_first_at, failed_last_at";

    private static List<DeadLetter> ReadDeadLetters(SqliteCommand command)
    {
        var letters = new List<DeadLetter>();
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            letters.Add(new DeadLetter
            {
                Id = reader.GetInt64(0),
                Message = SqliteSql.Read(reader, 1, 0),
                Reason = (DeadLetterReason)reader.GetInt32(1 + SqliteSql.MessageColumnCount),
                ExceptionType = reader.GetString(2 + SqliteSql.MessageColumnCount),
                ExceptionMessage = reader.GetString(3 + SqliteSql.MessageColumnCount),
                StackTrace = reader.GetString(4 + SqliteSql.MessageColumnCount),
                Attempts = reader.GetInt32(5 + SqliteSql.MessageColumnCount),
                FirstFailedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6 + SqliteSql.MessageColumnCount)),
                LastFailedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7 + SqliteSql.MessageColumnCount)),
            });
        }

        return letters;
    }
}
