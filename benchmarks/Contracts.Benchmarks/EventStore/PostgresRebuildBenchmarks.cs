using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts.EventSourcing;
using Contracts.Projections;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Contracts.Benchmarks.EventStore;

/// <summary>
/// Rebuilding a projection over 100,000 events (1,000 streams of 100 deposits) on PostgreSQL, Contracts beside Marten
/// 9.58.0 in one run, each in a fresh schema loaded once:
/// <list type="bullet">
/// <item>Marten: its projection daemon's <c>RebuildProjectionAsync</c> of a single-stream projection (one document per
/// stream, folded in memory a page at a time and written in one batch per page), from a daemon built for the rebuild;</item>
/// <item>Contracts, read model in a table: <see cref="IProjections.RebuildAsync"/> of an asynchronous projection whose
/// daemon is off (<c>RunDaemon = false</c>: the rebuild replays in the caller), pages of 1,000 events, one upsert per
/// event in the page's transaction with the checkpoint;</item>
/// <item>Contracts, read model in memory: the same rebuild into a dictionary (what the log replay itself costs).</item>
/// </list>
/// Each call empties the read model and replays the whole log into it.
/// </summary>
[MemoryDiagnoser]
public class PostgresRebuildBenchmarks
{
    private const int Streams = 1_000;
    private const int PerStream = 100;

    private static readonly AppendOptions s_quiet = new() { Publish = false };

    private IHost? _host;
    private IProjections _projections = null!;
    private DocumentStore? _marten;
    private IProjectionDaemon? _daemon;

    [GlobalSetup(Targets = [nameof(Contracts_Rebuild_Table), nameof(Contracts_Rebuild_Memory)])]
    public async Task SetupContracts()
    {
        _host = await EventStorePeers.StartContractsAsync(EsSql.Schema, p =>
        {
            p.Add<EsTotalsTable>(ProjectionMode.Async, o =>
            {
                o.RunDaemon = false;
                o.BatchSize = 1_000;
            });
            p.Add<EsTotalsMemory>(ProjectionMode.Async, o =>
            {
                o.RunDaemon = false;
                o.BatchSize = 1_000;
            });
        });
        await using (NpgsqlDataSource source = NpgsqlDataSource.Create(EventStorePeers.Server))
        await using (NpgsqlCommand create = source.CreateCommand(EsSql.Table))
        {
            await create.ExecuteNonQueryAsync();
        }

        _projections = _host.Services.GetRequiredService<IProjections>();
        IEventStore events = _host.Services.GetRequiredService<IEventStore>();
        for (int s = 0; s < Streams; s++)
        {
            string stream = "account-" + s;
            await events.AppendAsync(stream, ExpectedVersion.NoStream, EventStorePeers.Deposits(stream, PerStream), s_quiet);
        }
    }

    [GlobalSetup(Target = nameof(Marten_Rebuild))]
    public async Task SetupMarten()
    {
        _marten = await EventStorePeers.StartMartenAsync("bench_es_marten_rebuild", withProjection: true);
        const int StreamsPerSession = 100;
        for (int s = 0; s < Streams; s += StreamsPerSession)
        {
            await using IDocumentSession session = _marten.LightweightSession();
            for (int i = s; i < s + StreamsPerSession; i++)
            {
                string stream = "account-" + i;
                session.Events.StartStream(stream, EventStorePeers.Deposits(stream, PerStream));
            }

            await session.SaveChangesAsync();
        }

        _daemon = await _marten.BuildProjectionDaemonAsync();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await EventStorePeers.StopAsync(_host);
        _daemon?.Dispose();
        _marten?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Marten: daemon rebuild, document per stream")]
    public Task Marten_Rebuild() => _daemon!.RebuildProjectionAsync("es-totals-marten", TimeSpan.FromMinutes(5), CancellationToken.None);

    [Benchmark(Description = "Contracts: rebuild, upsert per event into a table")]
    public async Task<long> Contracts_Rebuild_Table() => await _projections.RebuildAsync("es-totals-table");

    [Benchmark(Description = "Contracts: rebuild into memory")]
    public async Task<long> Contracts_Rebuild_Memory() => await _projections.RebuildAsync("es-totals-memory");
}
