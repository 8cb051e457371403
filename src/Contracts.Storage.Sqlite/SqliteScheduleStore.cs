using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Scheduling;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// Schedules in the <c>contracts_schedules</c> table, one row per schedule with its next due time (Unix milliseconds).
/// A firing runs in its own BEGIN IMMEDIATE transaction (SQLite's one write lock, so firings of several processes on
/// one file run one at a time): the update or delete on the due time read, then the outbox rows, then the commit. A
/// process that lost the race finds the due time changed and writes nothing.
/// </summary>
internal sealed class SqliteScheduleStore(SqliteMessageStore store) : IScheduleStore
{
    private const string Columns = "id, contract, version, payload, recurrence, next_due, missed, max_catch_up, updated_at";

    private const string Save =
        $"INSERT INTO contracts_schedules ({Columns}) VALUES ($id, $contract, $version, $payload, $recurrence, $due, $missed, $cap, $at) " +
        "ON CONFLICT (id) DO UPDATE SET contract = excluded.contract, version = excluded.version, payload = excluded.payload, " +
        "next_due = CASE WHEN $keep AND contracts_schedules.recurrence = excluded.recurrence THEN contracts_schedules.next_due ELSE excluded.next_due END, " +
        "recurrence = excluded.recurrence, missed = excluded.missed, max_catch_up = excluded.max_catch_up, updated_at = excluded.updated_at";

    public ValueTask SaveAsync(ScheduleRecord record, bool keepDue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        using SqliteConnection connection = store.OpenConnection();
        using SqliteCommand save = SqliteSql.Command(connection, Save, "$id", "$contract", "$version", "$payload", "$recurrence", "$due", "$missed", "$cap", "$at", "$keep");
        SqliteParameterCollection p = save.Parameters;
        p[0].Value = record.Id;
        p[1].Value = record.ContractName;
        p[2].Value = record.ContractVersion;
        p[3].Value = record.Payload.ToArray();
        p[4].Value = record.Recurrence;
        p[5].Value = record.NextDue.ToUnixTimeMilliseconds();
        p[6].Value = (int)record.Missed;
        p[7].Value = record.MaxCatchUp;
        p[8].Value = record.UpdatedAt.ToUnixTimeMilliseconds();
        p[9].Value = keepDue;
        save.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<ScheduleRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = store.OpenConnection();
        using SqliteCommand select = SqliteSql.Command(connection, $"SELECT {Columns} FROM contracts_schedules WHERE id = $id", "$id");
        select.Parameters[0].Value = id;
        List<ScheduleRecord> found = ReadAll(select);
        return ValueTask.FromResult(found.Count == 0 ? null : found[0]);
    }

    public ValueTask<IReadOnlyList<ScheduleRecord>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = store.OpenConnection();
        using SqliteCommand select = SqliteSql.Command(
            connection, $"SELECT {Columns} FROM contracts_schedules WHERE next_due <= $now ORDER BY next_due, id LIMIT $limit", "$now", "$limit");
        select.Parameters[0].Value = now.ToUnixTimeMilliseconds();
        select.Parameters[1].Value = limit;
        return ValueTask.FromResult<IReadOnlyList<ScheduleRecord>>(ReadAll(select));
    }

    public async ValueTask<bool> FireAsync(string id, DateTimeOffset due, DateTimeOffset? next, IReadOnlyList<MessageRecord> outbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        using SqliteConnection connection = store.OpenConnection();
        using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
        using (SqliteCommand move = next is null
            ? SqliteSql.Command(connection, "DELETE FROM contracts_schedules WHERE id = $id AND next_due = $due", "$id", "$due")
            : SqliteSql.Command(connection, "UPDATE contracts_schedules SET next_due = $next WHERE id = $id AND next_due = $due", "$id", "$due", "$next"))
        {
            move.Transaction = transaction;
            move.Parameters[0].Value = id;
            move.Parameters[1].Value = due.ToUnixTimeMilliseconds();
            if (next is { } nextDue)
            {
                move.Parameters[2].Value = nextDue.ToUnixTimeMilliseconds();
            }

            if (move.ExecuteNonQuery() == 0)
            {
                transaction.Rollback();
                return false;
            }
        }

        var writer = new SqliteOutboxWriter(transaction);
        foreach (MessageRecord record in outbox)
        {
            await writer.WriteAsync(record, cancellationToken).ConfigureAwait(false);
        }

        transaction.Commit();
        return true;
    }

    public ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = store.OpenConnection();
        using SqliteCommand delete = SqliteSql.Command(connection, "DELETE FROM contracts_schedules WHERE id = $id", "$id");
        delete.Parameters[0].Value = id;
        return ValueTask.FromResult(delete.ExecuteNonQuery() > 0);
    }

    public ValueTask<IReadOnlyList<ScheduleRecord>> ListAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        using SqliteConnection connection = store.OpenConnection();
        using SqliteCommand select = SqliteSql.Command(
            connection, $"SELECT {Columns} FROM contracts_schedules ORDER BY id LIMIT $limit OFFSET $offset", "$limit", "$offset");
        select.Parameters[0].Value = limit;
        select.Parameters[1].Value = offset;
        return ValueTask.FromResult<IReadOnlyList<ScheduleRecord>>(ReadAll(select));
    }

    private static List<ScheduleRecord> ReadAll(SqliteCommand select)
    {
        var records = new List<ScheduleRecord>();
        using SqliteDataReader reader = select.ExecuteReader();
        while (reader.Read())
        {
            records.Add(new ScheduleRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt32(2),
                (byte[])reader.GetValue(3),
                reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                (MissedFirings)reader.GetInt32(6),
                reader.GetInt32(7),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
        }

        return records;
    }
}
