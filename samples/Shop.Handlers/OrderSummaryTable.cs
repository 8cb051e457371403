using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Shop.Contracts;

namespace Shop.Handlers;

/// <summary>
/// The order summaries' two tables, in the bus's own database (the SQLite file, or PostgreSQL's schema), so the
/// projection's writes commit with its checkpoint. The SQL is the part SQLite and PostgreSQL share; the host says how
/// to reach the database: <paramref name="transactionOf"/> gives a projection step's store transaction
/// (<c>GetSqliteTransaction()</c> or <c>GetPostgresTransaction()</c>), <paramref name="connect"/> a connection for reads.
/// </summary>
/// <param name="prefix">Before each table name: <c>""</c>, or a PostgreSQL schema and a dot.</param>
/// <param name="transactionOf">A projection step's store transaction.</param>
/// <param name="connect">A new, closed connection to the database.</param>
/// <param name="setup">Statements run before the tables are created (<c>CREATE SCHEMA IF NOT EXISTS ...</c>), or <see langword="null"/>.</param>
public sealed class OrderSummaryTable(string prefix, Func<ProjectionContext, DbTransaction> transactionOf, Func<DbConnection> connect, string? setup = null)
{
    private readonly string _summaries = prefix + "order_summaries";
    private readonly string _notes = prefix + "order_notes";

    /// <summary>Creates the tables if they are not there: before the bus starts, so the projection's first batch finds them.</summary>
    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = connect();
        await connection.OpenAsync(cancellationToken);
        await using DbCommand create = connection.CreateCommand();
        create.CommandText = setup +
                             $"CREATE TABLE IF NOT EXISTS {_summaries} (order_id TEXT PRIMARY KEY, customer TEXT NOT NULL, total NUMERIC NOT NULL, status INTEGER NOT NULL); " +
                             $"CREATE TABLE IF NOT EXISTS {_notes} (order_id TEXT NOT NULL, version BIGINT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (order_id, version));";
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A placed order's customer and total (its status is kept: a step may have been recorded before the placement).</summary>
    public async Task AddAsync(ProjectionContext context, OrderPlaced placed, CancellationToken cancellationToken)
    {
        await using DbCommand insert = Command(
            context, $"INSERT INTO {_summaries} (order_id, customer, total, status) VALUES (@id, @customer, @total, @status) " +
            "ON CONFLICT (order_id) DO UPDATE SET customer = excluded.customer, total = excluded.total");
        Add(insert, "@id", placed.OrderId.ToString("N"));
        Add(insert, "@customer", placed.Customer);
        Add(insert, "@total", placed.Total);
        Add(insert, "@status", (int)OrderStatus.Placed);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A note of the event being projected, and the order's new status if it changed.</summary>
    public async Task NoteAsync(ProjectionContext context, Guid orderId, OrderStatus? status, string note, CancellationToken cancellationToken)
    {
        // The stream version keys the note: a note is in the read model once, in the order of the order's stream.
        await using DbCommand insert = Command(
            context, $"INSERT INTO {_notes} (order_id, version, note) VALUES (@id, @version, @note) ON CONFLICT (order_id, version) DO NOTHING");
        Add(insert, "@id", orderId.ToString("N"));
        Add(insert, "@version", context.Recorded.StreamVersion);
        Add(insert, "@note", note);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        if (status is { } changed)
        {
            // An order's steps run at once, so its stream may say "paid" before "placed": the row is made by whichever comes first.
            await using DbCommand update = Command(
                context, $"INSERT INTO {_summaries} (order_id, customer, total, status) VALUES (@id, '', 0, @status) ON CONFLICT (order_id) DO UPDATE SET status = excluded.status");
            Add(update, "@id", orderId.ToString("N"));
            Add(update, "@status", (int)changed);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Empties both tables (a rebuild starts from nothing).</summary>
    public async Task ClearAsync(ProjectionContext context, CancellationToken cancellationToken)
    {
        await using DbCommand delete = Command(context, $"DELETE FROM {_notes}; DELETE FROM {_summaries}");
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One order's summary, or <see langword="null"/>.</summary>
    public async Task<OrderView?> FindAsync(Guid orderId, CancellationToken cancellationToken)
    {
        List<OrderView> found = await ReadAsync(orderId, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Every summary, oldest order first (the ids are version 7 GUIDs).</summary>
    public Task<List<OrderView>> ReadAllAsync(CancellationToken cancellationToken) => ReadAsync(null, cancellationToken);

    private async Task<List<OrderView>> ReadAsync(Guid? orderId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = connect();
        await connection.OpenAsync(cancellationToken);
        await using DbCommand select = connection.CreateCommand();
        string where = orderId is null ? "" : " WHERE s.order_id = @id";
        select.CommandText =
            $"SELECT s.order_id, s.customer, s.total, s.status, n.note FROM {_summaries} s LEFT JOIN {_notes} n ON n.order_id = s.order_id{where} " +
            "ORDER BY s.order_id, n.version";
        if (orderId is { } id)
        {
            Add(select, "@id", id.ToString("N"));
        }

        var views = new List<OrderView>();
        var notes = new List<string>();
        string? current = null;
        OrderView? view = null;
        await using DbDataReader reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            string key = reader.GetString(0);
            if (key != current)
            {
                if (view is not null)
                {
                    views.Add(view with { Notes = [.. notes] });
                }

                current = key;
                notes.Clear();
                view = new OrderView(Guid.ParseExact(key, "N"), reader.GetString(1), reader.GetDecimal(2), (OrderStatus)reader.GetInt32(3), []);
            }

            if (!reader.IsDBNull(4))
            {
                notes.Add(reader.GetString(4));
            }
        }

        if (view is not null)
        {
            views.Add(view with { Notes = [.. notes] });
        }

        return views;
    }

    /// <summary>A command in the projection step's store transaction (the step's: it is not committed or disposed here).</summary>
    private DbCommand Command(ProjectionContext context, string sql)
    {
        DbTransaction transaction = transactionOf(context);
        DbCommand command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        DbParameter parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
