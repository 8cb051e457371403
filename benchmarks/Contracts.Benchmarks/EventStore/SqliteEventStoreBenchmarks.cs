using System;
using System.IO;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Contracts.EventSourcing;
using Contracts.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Benchmarks.EventStore;

/// <summary>
/// The event store on a SQLite file beside raw Microsoft.Data.Sqlite on another file, same settings (WAL,
/// <c>synchronous = FULL</c>, Contracts' default), in one run:
/// <list type="bullet">
/// <item>append one event per call, and 100 per call, to one stream: Contracts' <see cref="IEventStore.AppendAsync"/>
/// (no publication) against one transaction of the same rows written raw: the events' rows into a table shaped like
/// Contracts' and the stream's version row, by prepared commands, with no version check;</item>
/// <item>read a 1,000-event stream forwards: Contracts (rows to records, each event deserialized) against the raw
/// SELECT of the same rows into the same record type, without deserializing.</item>
/// </list>
/// Raw SQLite is the baseline of each category.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SqliteEventStoreBenchmarks
{
    private const int Batch = 100;
    private const int ReadLength = 1_000;

    private static readonly AppendOptions s_quiet = new() { Publish = false };

    private readonly EsDeposited[] _one = EventStorePeers.Deposits("single", 1);
    private readonly EsDeposited[] _batch = EventStorePeers.Deposits("batched", Batch);
    private string _folder = "";
    private IHost? _host;
    private IEventStore _events = null!;
    private RawSqliteEventLog? _raw;

    [GlobalSetup(Targets = [nameof(Contracts_Append_1), nameof(Contracts_Append_100), nameof(Contracts_Read_1000)])]
    public async Task SetupContracts()
    {
        _folder = NewFolder();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddContracts(o => o.UseSqlite($"Data Source={Path.Combine(_folder, "events.db")}", s => s.Synchronous = SqliteSynchronous.Full));
        _host = builder.Build();
        await _host.StartAsync();
        _events = _host.Services.GetRequiredService<IEventStore>();
        await _events.AppendAsync("read", ExpectedVersion.NoStream, EventStorePeers.Deposits("read", ReadLength), s_quiet);
    }

    [GlobalSetup(Targets = [nameof(Raw_Append_1), nameof(Raw_Append_100), nameof(Raw_Read_1000)])]
    public void SetupRaw()
    {
        _folder = NewFolder();
        _raw = new RawSqliteEventLog(Path.Combine(_folder, "raw.db"));
        _raw.Append("read", ReadLength);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await EventStorePeers.StopAsync(_host);
        _raw?.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [BenchmarkCategory("append 1"), Benchmark(Baseline = true)]
    public long Raw_Append_1() => _raw!.Append("single", 1);

    [BenchmarkCategory("append 1"), Benchmark]
    public async Task<long> Contracts_Append_1() => await _events.AppendAsync("single", ExpectedVersion.Any, _one, s_quiet);

    [BenchmarkCategory("append 100"), Benchmark(Baseline = true)]
    public long Raw_Append_100() => _raw!.Append("batched", Batch);

    [BenchmarkCategory("append 100"), Benchmark]
    public async Task<long> Contracts_Append_100() => await _events.AppendAsync("batched", ExpectedVersion.Any, _batch, s_quiet);

    [BenchmarkCategory("read 1,000"), Benchmark(Baseline = true)]
    public int Raw_Read_1000() => _raw!.Read("read").Count;

    [BenchmarkCategory("read 1,000"), Benchmark]
    public Task<long> Contracts_Read_1000() => EventStorePeers.SumAsync(_events, "read");

    private static string NewFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "contracts-bench-es-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
