using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Scheduling;
using Npgsql;
using NpgsqlTypes;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Schedules in the schema's <c>schedules</c> table (migration 9), one row per schedule with its next due time. A firing
/// is one transaction: an update (or delete) on the due time read, then the outbox rows and their NOTIFY, then the
/// commit. Two processes firing one occurrence meet at the row lock; the second re-reads the row after the first
/// commits (READ COMMITTED), finds the due time moved and writes nothing.
/// </summary>
internal sealed class PostgresScheduleStore : IScheduleStore
{
    private const string Columns = "id, contract, version, payload, recurrence, next_due, missed, max_catch_up, updated_at";

    private readonly PostgresMessageStore _store;
    private readonly string _save;
    private readonly string _get;
    private readonly string _due;
    private readonly string _advance;
    private readonly string _finish;
    private readonly string _cancel;
    private readonly string _list;

    public PostgresScheduleStore(PostgresMessageStore store)
    {
        _store = store;
        string table = PostgresSql.Quote(store.Sql.Schema) + ".schedules";
        _save =
            $"INSERT INTO {table} AS s ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) " +
            "ON CONFLICT (id) DO UPDATE SET contract = excluded.contract, version = excluded.version, payload = excluded.payload, " +
            "next_due = CASE WHEN $10 AND s.recurrence = excluded.recurrence THEN s.next_due ELSE excluded.next_due END, " +
            "recurrence = excluded.recurrence, missed = excluded.missed, max_catch_up = excluded.max_catch_up, updated_at = excluded.updated_at";
        _get = $"SELECT {Columns} FROM {table} WHERE id = $1";
        _due = $"SELECT {Columns} FROM {table} WHERE next_due <= $1 ORDER BY next_due, id LIMIT $2";
        _advance = $"UPDATE {table} SET next_due = $3 WHERE id = $1 AND next_due = $2";
        _finish = $"DELETE FROM {table} WHERE id = $1 AND next_due = $2";
        _cancel = $"DELETE FROM {table} WHERE id = $1";
        _list = $"SELECT {Columns} FROM {table} ORDER BY id COLLATE \"C\" LIMIT $1 OFFSET $2";
    }

    public async ValueTask SaveAsync(ScheduleRecord record, bool keepDue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using NpgsqlConnection connection = await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using var save = new NpgsqlCommand(_save, connection);
        save.Parameters.Add(PostgresSql.Value(record.Id));
        save.Parameters.Add(PostgresSql.Value(record.ContractName));
        save.Parameters.Add(PostgresSql.Value(record.ContractVersion));
        save.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = record.Payload.ToArray() });
        save.Parameters.Add(PostgresSql.Value(record.Recurrence));
        save.Parameters.Add(PostgresSql.Value(record.NextDue));
        save.Parameters.Add(PostgresSql.Value((int)record.Missed));
        save.Parameters.Add(PostgresSql.Value(record.MaxCatchUp));
        save.Parameters.Add(PostgresSql.Value(record.UpdatedAt));
        save.Parameters.Add(PostgresSql.Value(keepDue));
        await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ScheduleRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        IReadOnlyList<ScheduleRecord> found = await ReadAsync(_get, [PostgresSql.Value(id)], cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public ValueTask<IReadOnlyList<ScheduleRecord>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        ReadAsync(_due, [PostgresSql.Value(now), PostgresSql.Value(limit)], cancellationToken);

    public async ValueTask<bool> FireAsync(string id, DateTimeOffset due, DateTimeOffset? next, IReadOnlyList<MessageRecord> outbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        await using NpgsqlConnection connection = await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var move = new NpgsqlCommand(next is null ? _finish : _advance, connection, transaction))
        {
            move.Parameters.Add(PostgresSql.Value(id));
            move.Parameters.Add(PostgresSql.Value(due));
            if (next is { } nextDue)
            {
                move.Parameters.Add(PostgresSql.Value(nextDue));
            }

            if (await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }
        }

        foreach (MessageRecord record in outbox)
        {
            await PostgresOutboxWriter.WriteAsync(transaction, _store.Sql, record, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using var cancel = new NpgsqlCommand(_cancel, connection);
        cancel.Parameters.Add(PostgresSql.Value(id));
        return await cancel.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public ValueTask<IReadOnlyList<ScheduleRecord>> ListAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return ReadAsync(_list, [PostgresSql.Value(limit), PostgresSql.Value(offset)], cancellationToken);
    }

    private async ValueTask<IReadOnlyList<ScheduleRecord>> ReadAsync(string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(sql, connection);
        select.Parameters.AddRange(parameters);
        var records = new List<ScheduleRecord>();
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(new ScheduleRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt32(2),
                (byte[])reader.GetValue(3),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                (MissedFirings)reader.GetInt32(6),
                reader.GetInt32(7),
                reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return records;
    }
}
