using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

public sealed partial class SqliteMessageStore
{
    /// <summary>A released row's claim did not end with the process: it is not counted as an unfinished delivery.</summary>
    private const string GiveBack = "deliveries = MAX(deliveries - 1, 0)";

    private abstract class WriteOp
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Result { get; protected set; }

        public abstract void Execute(Writer writer);

        /// <summary>
        /// Whether the write is one statement (beside reads): a failure undoes it alone, so in a batch with deliveries it
        /// needs no savepoint of its own.
        /// </summary>
        public virtual bool OneStatement => false;

        /// <summary>The rows this write claimed (a send held by its sender, a claim, a replay), to give back when its caller gave up; null for other writes.</summary>
        public virtual ReleaseRowsOp? ClaimedRows() => null;

        protected static void Delete(Writer writer, MessageRecord? record)
        {
            if (record is { Sequence: > 0 })
            {
                writer.DeleteQueue.Parameters[0].Value = record.Sequence;
                writer.DeleteQueue.ExecuteNonQuery();
            }
        }

        protected static void Insert(Writer writer, MessageRecord record, StoreClaim claim)
        {
            SqliteSql.Bind(writer.InsertQueue, record);
            writer.InsertQueue.Parameters[SqliteSql.MessageColumnCount].Value = claim.Owner;
            writer.InsertQueue.Parameters[SqliteSql.MessageColumnCount + 1].Value = claim.Until.ToUnixTimeMilliseconds();
            writer.InsertQueue.ExecuteNonQuery();
            record.Sequence = writer.InsertedId();
        }
    }

    private sealed class EnqueueOp(IReadOnlyList<MessageRecord> records, StoreClaim claim) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            for (int i = 0; i < records.Count; i++)
            {
                Insert(writer, records[i], claim);
            }
        }

        public override bool OneStatement => records.Count == 1;

        public override ReleaseRowsOp ClaimedRows() => new("contracts_queue", Sequences(records));
    }

    private sealed class CompleteOp(MessageRecord record) : WriteOp
    {
        public override bool OneStatement => true;

        public override void Execute(Writer writer) => Delete(writer, record);
    }

    private sealed class InboxOp(string endpoint, string key) : WriteOp
    {
        public override bool OneStatement => true;

        public override void Execute(Writer writer)
        {
            SqliteParameterCollection p = writer.InsertInbox.Parameters;
            p[0].Value = endpoint;
            p[1].Value = key;
            p[2].Value = writer.Time.GetUtcNow().ToUnixTimeMilliseconds();
            writer.InsertInbox.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Claims the oldest rows nobody holds in one statement. The writer loop runs every write on one connection, and
    /// SQLite lets one writer at a time change the file, so two claims (from two processes too) never get the same row.
    /// The same statement counts the claim in <c>deliveries</c>, so the count is on disk before any handler runs.
    /// </summary>
    private sealed class ClaimOp(string table, string filter, string? endpoints, StoreClaim claim, int limit) : WriteOp
    {
        public List<MessageRecord> Claimed { get; private set; } = [];

        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            command.CommandText =
                $"UPDATE {table} SET owner = $owner, claimed_until = $until, deliveries = deliveries + 1 WHERE seq IN " +
                $"(SELECT seq FROM {table} WHERE {filter} AND (owner IS NULL OR claimed_until < $now) ORDER BY seq LIMIT $limit) " +
                $"RETURNING seq, {SqliteSql.MessageColumns}, deliveries";
            command.Parameters.AddWithValue("$owner", claim.Owner);
            command.Parameters.AddWithValue("$until", claim.Until.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$now", writer.Time.GetUtcNow().ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$limit", limit);
            if (endpoints is not null)
            {
                command.Parameters.AddWithValue("$endpoints", endpoints);
            }

            List<MessageRecord> claimed = SqliteSql.ReadClaimed(command);
            claimed.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
            Claimed = claimed;
        }

        public override ReleaseRowsOp? ClaimedRows() => Claimed.Count == 0 ? null : new(table, Sequences(Claimed));
    }

    /// <summary>
    /// Releases the claims on the rows of <paramref name="table"/> whose sequences <paramref name="sequences"/> lists (a
    /// JSON array), and takes back the claim's count: the row was given back unhandled.
    /// </summary>
    private sealed class ReleaseRowsOp(string table, string sequences) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            command.CommandText = $"UPDATE {table} SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE seq IN (SELECT value FROM json_each($seqs))";
            command.Parameters.AddWithValue("$seqs", sequences);
            Result = command.ExecuteNonQuery();
        }
    }

    /// <summary>Renews (<paramref name="until"/> given) or releases (<see langword="null"/>) every claim of <paramref name="owner"/>.</summary>
    private sealed class ClaimChangeOp(string owner, DateTimeOffset? until) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            Result = 0;
            foreach (string table in (ReadOnlySpan<string>)["contracts_queue", "contracts_outbox"])
            {
                command.Parameters.Clear();
                command.CommandText = until is null
                    ? $"UPDATE {table} SET owner = NULL, claimed_until = NULL, {GiveBack} WHERE owner = $owner"
                    : $"UPDATE {table} SET claimed_until = $until WHERE owner = $owner";
                command.Parameters.AddWithValue("$owner", owner);
                if (until is { } end)
                {
                    command.Parameters.AddWithValue("$until", end.ToUnixTimeMilliseconds());
                }

                Result += command.ExecuteNonQuery();
            }
        }
    }

    private sealed class RescheduleOp(MessageRecord record) : WriteOp
    {
        public override bool OneStatement => true;

        public override void Execute(Writer writer)
        {
            SqliteParameterCollection p = writer.Reschedule.Parameters;
            p[0].Value = record.Attempt;
            p[1].Value = record.DueAt is { } due ? due.ToUnixTimeMilliseconds() : DBNull.Value;
            p[2].Value = record.FirstFailedAt is { } first ? first.ToUnixTimeMilliseconds() : DBNull.Value;
            p[3].Value = (object?)record.LastError ?? DBNull.Value;
            p[4].Value = record.Sequence;
            writer.Reschedule.ExecuteNonQuery();
        }
    }

    private sealed class DeadLetterOp(DeadLetter letter) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand insert = writer.InsertDead;
            SqliteSql.Bind(insert, letter.Message);
            SqliteParameterCollection p = insert.Parameters;
            p[SqliteSql.MessageColumnCount].Value = (int)letter.Reason;
            p[SqliteSql.MessageColumnCount + 1].Value = letter.ExceptionType;
            p[SqliteSql.MessageColumnCount + 2].Value = letter.ExceptionMessage;
            p[SqliteSql.MessageColumnCount + 3].Value = letter.StackTrace;
            p[SqliteSql.MessageColumnCount + 4].Value = letter.Attempts;
            p[SqliteSql.MessageColumnCount + 5].Value = letter.FirstFailedAt.ToUnixTimeMilliseconds();
            p[SqliteSql.MessageColumnCount + 6].Value = letter.LastFailedAt.ToUnixTimeMilliseconds();
            insert.ExecuteNonQuery();
            letter.Id = writer.InsertedId();
            if (letter.Message.Endpoint.Length > 0)
            {
                Delete(writer, letter.Message);
            }
        }
    }

    /// <summary>Removes a dead letter and, when <paramref name="requeued"/> is given, queues it again in the same commit.</summary>
    private sealed class ReplayOp(long id, MessageRecord? requeued, StoreClaim claim) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            writer.DeleteDead.Parameters[0].Value = id;
            Result = writer.DeleteDead.ExecuteNonQuery();
            if (Result != 0 && requeued is not null)
            {
                Insert(writer, requeued, claim);
            }
        }

        public override ReleaseRowsOp? ClaimedRows() => Result != 0 && requeued is not null ? new("contracts_queue", Sequences([requeued])) : null;
    }

    private sealed class PurgeOp(DateTimeOffset? before) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            if (before is { } cutOff)
            {
                command.CommandText = "DELETE FROM contracts_dead_letters WHERE failed_last_at < $before";
                command.Parameters.AddWithValue("$before", cutOff.ToUnixTimeMilliseconds());
            }
            else
            {
                command.CommandText = "DELETE FROM contracts_dead_letters";
            }

            Result = command.ExecuteNonQuery();
        }
    }

    private sealed class CleanUpOp(string sql, DateTimeOffset before) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            Result = command.ExecuteNonQuery();
        }
    }

    private sealed class MarkRelayedOp(IReadOnlyList<MessageRecord> records) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteParameterCollection p = writer.MarkRelayed.Parameters;
            p[0].Value = writer.Time.GetUtcNow().ToUnixTimeMilliseconds();
            for (int i = 0; i < records.Count; i++)
            {
                p[1].Value = records[i].Sequence;
                writer.MarkRelayed.ExecuteNonQuery();
            }
        }
    }
}
