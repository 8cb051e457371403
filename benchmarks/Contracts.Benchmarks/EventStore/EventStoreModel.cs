using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Contracts.Storage.Postgres;
using JasperFx.Events;
using Marten.Events.Aggregation;
using Npgsql;

namespace Contracts.Benchmarks.EventStore;

/// <summary>The event both stores append, read and project (Marten serializes the same record with System.Text.Json).</summary>
[Event] public partial record EsDeposited(string Account, long Amount);

/// <summary>What each projection keeps per stream: how many deposits and their sum.</summary>
public sealed class EsAccountTotal
{
    public string Id { get; set; } = "";

    public int Deposits { get; set; }

    public long Total { get; set; }
}

/// <summary>
/// The Contracts projection with its read model in PostgreSQL: one upsert per event, in the batch's transaction with
/// the checkpoint (the pattern docs/projections.md shows). Its table is <c>account_totals</c> in the bus's schema.
/// </summary>
[Projection(Name = "es-totals-table")]
public sealed partial class EsTotalsTable : IProjection<EsDeposited>, IRebuildableProjection
{
    public async ValueTask ProjectAsync(EsDeposited e, ProjectionContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using var upsert = new NpgsqlCommand(EsSql.Upsert, transaction.Connection, transaction);
        upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = context.Recorded.StreamId });
        upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Amount });
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask ResetAsync(ProjectionContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using var delete = new NpgsqlCommand(EsSql.Delete, transaction.Connection, transaction);
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The same projection with its read model in memory: what the log replay itself costs (read, decode, checkpoint).</summary>
[Projection(Name = "es-totals-memory")]
public sealed partial class EsTotalsMemory(EsTotalsInMemory rows) : IProjection<EsDeposited>, IRebuildableProjection
{
    public ValueTask ProjectAsync(EsDeposited e, ProjectionContext context, CancellationToken cancellationToken)
    {
        EsAccountTotal row = rows.Rows.GetOrAdd(context.Recorded.StreamId, static id => new EsAccountTotal { Id = id });
        row.Deposits++;
        row.Total += e.Amount;
        return ValueTask.CompletedTask;
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken cancellationToken)
    {
        rows.Rows.Clear();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The in-memory read model of <see cref="EsTotalsMemory"/>.</summary>
public sealed class EsTotalsInMemory
{
    public ConcurrentDictionary<string, EsAccountTotal> Rows { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The Marten projection: a single-stream projection keeping one <see cref="EsAccountTotal"/> document per stream,
/// Marten's own way to keep a read model per stream (its daemon folds a page of events in memory and writes the
/// changed documents in one batch).
/// </summary>
public sealed class EsTotalsMarten : SingleStreamProjection<EsAccountTotal, string>
{
    public EsTotalsMarten() => Name = "es-totals-marten";

    public static EsAccountTotal Create(IEvent<EsDeposited> e) => new() { Id = e.StreamKey!, Deposits = 1, Total = e.Data.Amount };

    public static void Apply(EsDeposited e, EsAccountTotal row)
    {
        row.Deposits++;
        row.Total += e.Amount;
    }
}

/// <summary>The read-model table of <see cref="EsTotalsTable"/>, in the rebuild suite's schema.</summary>
internal static class EsSql
{
    public const string Schema = "bench_es_rebuild";

    public const string Table =
        $"CREATE TABLE {Schema}.account_totals (account text PRIMARY KEY, deposits integer NOT NULL, total bigint NOT NULL)";

    public const string Upsert =
        $"INSERT INTO {Schema}.account_totals AS t (account, deposits, total) VALUES ($1, 1, $2) " +
        "ON CONFLICT (account) DO UPDATE SET deposits = t.deposits + 1, total = t.total + excluded.total";

    public const string Delete = $"DELETE FROM {Schema}.account_totals";
}
