using System;
using System.IO;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts.Storage.Sqlite;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Peer = Contracts.Benchmarks.Sagas.MassTransitPeer;

namespace Contracts.Benchmarks.Sagas;

/// <summary>
/// Saga steps per second: 500 sagas per operation, each start -> 3 steps -> complete (4 saga steps, each loading and
/// saving its instance, the next step's event sent through the bus), all 500 in flight at once. Contracts in memory
/// (default EffectivelyOnce saga endpoints: inbox on the message id) and on a SQLite file (the state, the inbox key
/// and the next event commit in one transaction, through the outbox); MassTransit's state machine saga on its
/// in-memory repository and in-memory transport in the same run. Steps per second = 2000 / mean in seconds.
/// </summary>
[MemoryDiagnoser]
public class SagaBenchmarks
{
    public const int Sagas = 500;

    private IHost _host = null!;
    private IMessageBus _bus = null!;
    private IBus _massTransit = null!;
    private BatchCompletion _counter = null!;
    private string? _folder;

    [GlobalSetup(Targets = [nameof(Contracts_InMemory)])]
    public void SetupInMemory() => StartContracts(sqlite: false);

    [GlobalSetup(Targets = [nameof(Contracts_Sqlite)])]
    public void SetupSqlite() => StartContracts(sqlite: true);

    [GlobalSetup(Targets = [nameof(MassTransit_InMemory)])]
    public async Task SetupMassTransit()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o => o.WaitUntilStarted = true);
        builder.Services.AddMassTransit(x =>
        {
            x.AddSagaStateMachine<Peer.TripStateMachine, Peer.TripState>().InMemoryRepository();
            x.UsingInMemory((context, cfg) =>
            {
                // Publishes wait for the saga to be saved (as in any real MassTransit saga): without it a step's
                // event can arrive before the instance it moves exists, and that saga stalls.
                cfg.UseInMemoryOutbox(context);
                cfg.ConfigureEndpoints(context);
            });
        });
        _host = builder.Build();
        await _host.StartAsync();
        _massTransit = _host.Services.GetRequiredService<IBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();
    }

    private void StartContracts(bool sqlite)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddContracts(o =>
        {
            o.UseInMemoryTransport(t => t.Defaults.Capacity = Sagas * 2);
            if (sqlite)
            {
                _folder = Path.Combine(Path.GetTempPath(), "contracts-saga-bench-" + Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(_folder);
                o.UseSqlite($"Data Source={Path.Combine(_folder, "sagas.db")}", s => s.Synchronous = SqliteSynchronous.Normal);
            }
        });
        _host = builder.Build();
        _host.Start();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _host.StopAsync();
        _host.Dispose();
        if (_folder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Benchmark(OperationsPerInvoke = Sagas * 4, Description = "Contracts saga, in memory")]
    public async Task Contracts_InMemory()
    {
        Task done = _counter.Arm(Sagas);
        for (int i = 0; i < Sagas; i++)
        {
            await _bus.SendAsync(new BeginTrip(Guid.CreateVersion7()));
        }

        await done;
    }

    [Benchmark(OperationsPerInvoke = Sagas * 4, Description = "Contracts saga, SQLite")]
    public async Task Contracts_Sqlite()
    {
        Task done = _counter.Arm(Sagas);
        for (int i = 0; i < Sagas; i++)
        {
            await _bus.SendAsync(new BeginTrip(Guid.CreateVersion7()));
        }

        await done;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Sagas * 4, Description = "MassTransit state machine, in-memory repository")]
    public async Task MassTransit_InMemory()
    {
        Task done = _counter.Arm(Sagas);
        for (int i = 0; i < Sagas; i++)
        {
            await _massTransit.Publish(new Peer.BeginTrip(Guid.CreateVersion7()));
        }

        await done;
    }
}
