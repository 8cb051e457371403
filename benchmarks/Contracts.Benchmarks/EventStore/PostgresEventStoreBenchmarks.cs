using System.Collections.Generic;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Contracts.EventSourcing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Benchmarks.EventStore;

/// <summary>
/// The event store on PostgreSQL (the server CI starts, scripts/postgres.sh; CONTRACTS_POSTGRES for another), Contracts'
/// <see cref="IEventStore"/> beside Marten 9.58.0 on the same server in one run, each in a fresh schema:
/// <list type="bullet">
/// <item>append one event per call, and a batch of 100 events per call, to one stream with no expected version
/// (Contracts <see cref="ExpectedVersion.Any"/> without publication; Marten's quick append without a version): each call
/// one transaction, committed before it returns;</item>
/// <item>read a 1,000-event stream forwards, deserializing every event (Contracts <c>ReadStreamAsync</c>, Marten
/// <c>FetchStreamAsync</c> on a query session).</item>
/// </list>
/// Marten is the baseline of each category: a ratio under 1 is Contracts ahead.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PostgresEventStoreBenchmarks
{
    private const int Batch = 100;
    private const int ReadLength = 1_000;

    private static readonly AppendOptions s_quiet = new() { Publish = false };

    private readonly EsDeposited[] _one = EventStorePeers.Deposits("single", 1);
    private readonly EsDeposited[] _batch = EventStorePeers.Deposits("batched", Batch);
    private IHost? _host;
    private IEventStore _events = null!;
    private DocumentStore? _marten;

    [GlobalSetup(Targets = [nameof(Contracts_Append_1), nameof(Contracts_Append_100), nameof(Contracts_Read_1000)])]
    public async Task SetupContracts()
    {
        _host = await EventStorePeers.StartContractsAsync("bench_es_contracts");
        _events = _host.Services.GetRequiredService<IEventStore>();
        EsDeposited[] read = EventStorePeers.Deposits("read", ReadLength);
        await _events.AppendAsync("read", ExpectedVersion.NoStream, read, s_quiet);
    }

    [GlobalSetup(Targets = [nameof(Marten_Append_1), nameof(Marten_Append_100), nameof(Marten_Read_1000)])]
    public async Task SetupMarten()
    {
        _marten = await EventStorePeers.StartMartenAsync("bench_es_marten");
        await using IDocumentSession session = _marten.LightweightSession();
        session.Events.StartStream("read", EventStorePeers.Deposits("read", ReadLength));
        await session.SaveChangesAsync();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await EventStorePeers.StopAsync(_host);
        if (_marten is not null)
        {
            _marten.Dispose();
        }
    }

    [BenchmarkCategory("append 1"), Benchmark(Baseline = true)]
    public async Task Marten_Append_1()
    {
        await using IDocumentSession session = _marten!.LightweightSession();
        session.Events.Append("single", _one[0]);
        await session.SaveChangesAsync();
    }

    [BenchmarkCategory("append 1"), Benchmark]
    public async Task<long> Contracts_Append_1() => await _events.AppendAsync("single", ExpectedVersion.Any, _one, s_quiet);

    [BenchmarkCategory("append 100"), Benchmark(Baseline = true)]
    public async Task Marten_Append_100()
    {
        await using IDocumentSession session = _marten!.LightweightSession();
        session.Events.Append("batched", _batch);
        await session.SaveChangesAsync();
    }

    [BenchmarkCategory("append 100"), Benchmark]
    public async Task<long> Contracts_Append_100() => await _events.AppendAsync("batched", ExpectedVersion.Any, _batch, s_quiet);

    [BenchmarkCategory("read 1,000"), Benchmark(Baseline = true)]
    public async Task<long> Marten_Read_1000()
    {
        await using IQuerySession session = _marten!.QuerySession();
        IReadOnlyList<JasperFx.Events.IEvent> events = await session.Events.FetchStreamAsync("read");
        long total = 0;
        for (int i = 0; i < events.Count; i++)
        {
            total += ((EsDeposited)events[i].Data).Amount;
        }

        return total;
    }

    [BenchmarkCategory("read 1,000"), Benchmark]
    public Task<long> Contracts_Read_1000() => EventStorePeers.SumAsync(_events, "read");
}
