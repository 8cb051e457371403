using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts.Storage.Postgres;
using Npgsql;

namespace Contracts.Benchmarks.Durable;

/// <summary>
/// What one call of the PostgreSQL store costs on a pooled connection, and how much of it is Npgsql's reset of the
/// connection when it goes back to the pool (for a connection holding prepared statements: <c>RESET ALL; CLOSE ALL;
/// UNLISTEN *; ...</c>, sent before its next command). Per call, one round trip each, in one run:
/// <list type="bullet">
/// <item>raw Npgsql, a prepared read of the dead-letter table (the statement of the store's ping) on a connection opened from a data source configured as the store's
/// (<c>Max Auto Prepare</c> 32), with Npgsql's default reset on close;</item>
/// <item>the same with <c>No Reset On Close</c>, which is what the store's own statements use;</item>
/// <item>the store's <see cref="PostgresMessageStore.PingAsync"/>: a pooled connection of the store's own and one
/// read of its dead-letter table.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class PostgresPoolBenchmarks
{
    private const string Schema = "bench_pool";

    private static readonly string s_server =
        Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES") is { Length: > 0 } configured ? configured : "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

    private NpgsqlDataSource _reset = null!;
    private NpgsqlDataSource _noReset = null!;
    private PostgresMessageStore _store = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = s_server, Schema = Schema });
        await _store.InitializeAsync(CancellationToken.None);
        _reset = Build(noResetOnClose: false);
        _noReset = Build(noResetOnClose: true);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _store.DisposeAsync();
        await _reset.DisposeAsync();
        await _noReset.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public Task<object?> Raw_PooledRead_ResetOnClose() => ReadAsync(_reset);

    [Benchmark]
    public Task<object?> Raw_PooledRead_NoResetOnClose() => ReadAsync(_noReset);

    [Benchmark]
    public async Task Contracts_StorePing() => await _store.PingAsync(CancellationToken.None);

    private static NpgsqlDataSource Build(bool noResetOnClose)
    {
        var builder = new NpgsqlDataSourceBuilder(s_server);
        builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        builder.ConnectionStringBuilder.NoResetOnClose = noResetOnClose;
        return builder.Build();
    }

    private static async Task<object?> ReadAsync(NpgsqlDataSource source)
    {
        await using NpgsqlCommand command = source.CreateCommand($"SELECT 1 FROM {Schema}.dead_letters LIMIT 1");
        return await command.ExecuteScalarAsync();
    }
}
