using System;
using System.IO;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts.EventSourcing;
using Contracts.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Benchmarks.Aggregates;

[Event] public partial record LedgerOpened(string Owner);
[Event] public partial record LedgerPosted(long Amount);

public sealed record LedgerState
{
    public string Owner { get; init; } = "";

    public long Balance { get; init; }

    public int Postings { get; init; }
}

/// <summary>Snapshots every 100 events.</summary>
[Aggregate(Name = "ledger", SnapshotEvery = 100)]
public sealed partial class Ledger : Aggregate<LedgerState>
{
    public void Open(string owner) => Raise(new LedgerOpened(owner));

    public void Post(long amount) => Raise(new LedgerPosted(amount));

    private void Apply(LedgerOpened e) => State = State with { Owner = e.Owner };

    private void Apply(LedgerPosted e) => State = State with { Balance = State.Balance + e.Amount, Postings = State.Postings + 1 };
}

/// <summary>The same stream without snapshots: every load replays it whole.</summary>
[Aggregate(Name = "ledger")]
public sealed partial class UnsnappedLedger : Aggregate<LedgerState>
{
    private void Apply(LedgerOpened e) => State = State with { Owner = e.Owner };

    private void Apply(LedgerPosted e) => State = State with { Balance = State.Balance + e.Amount, Postings = State.Postings + 1 };
}

/// <summary>
/// Loading one aggregate whose stream holds 10,005 events, on a SQLite file: from its snapshot (taken at 10,000) and
/// the 5 events after it, and by replaying the whole stream (the same stream, an aggregate without snapshots).
/// </summary>
[MemoryDiagnoser]
public class AggregateBenchmarks
{
    private IHost _host = null!;
    private IAggregateStore _aggregates = null!;
    private string _folder = "";

    [GlobalSetup]
    public async Task Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "contracts-bench-agg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddContracts(o => o.UseSqlite($"Data Source={Path.Combine(_folder, "bench.db")}"));
        _host = builder.Build();
        await _host.StartAsync();
        _aggregates = _host.Services.GetRequiredService<IAggregateStore>();
        var quiet = new AppendOptions { Publish = false };
        Ledger ledger = await _aggregates.LoadAsync<Ledger>("1");
        ledger.Open("ada");
        for (int i = 1; i < 10_000; i++)
        {
            ledger.Post(i);
        }

        await _aggregates.SaveAsync(ledger, quiet);  // 10,000 events; snapshot at 10,000
        ledger = await _aggregates.LoadAsync<Ledger>("1");
        for (int i = 0; i < 5; i++)
        {
            ledger.Post(1);
        }

        await _aggregates.SaveAsync(ledger, quiet);  // the tail: 5 events after the snapshot
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _host.StopAsync();
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "load 10,005 events: replay all")]
    public async Task<long> Load_without_snapshot() => (await _aggregates.LoadAsync<UnsnappedLedger>("1")).Version;

    [Benchmark(Description = "load 10,005 events: snapshot + 5")]
    public async Task<long> Load_with_snapshot() => (await _aggregates.LoadAsync<Ledger>("1")).Version;
}
