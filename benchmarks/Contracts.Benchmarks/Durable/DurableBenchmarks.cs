using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts;
using Contracts.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Benchmarks.Durable;

[Command]
public partial record RecordSale([property: IdempotencyKey] int Sequence, decimal Amount);

public sealed class RecordSaleHandler(BatchCompletion counter) : ICommandHandler<RecordSale>
{
    public ValueTask HandleAsync(RecordSale command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Durable messaging on a SQLite file (WAL): one producer and one consumer, every message committed before its
/// send returns and deleted after its handler ran; with each send awaited, and with 64 sends in flight (what
/// group commit is for). Against raw SQLite moving the same number of rows in batches of 64 inserts, then 64
/// deletes. Per message: messages per second = 1e9 / mean in ns.
/// </summary>
[MemoryDiagnoser]
public class DurableBenchmarks
{
    private const int Messages = 2048;
    private const int Window = 64;

    private string _folder = null!;
    private IHost _host = null!;
    private IMessageBus _bus = null!;
    private BatchCompletion _counter = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _insert = null!;
    private SqliteCommand _delete = null!;
    private SqliteParameter _sequence = null!;
    private long _nextRow = 1;
    private int _nextSale;

    [Params(SqliteSynchronous.Full, SqliteSynchronous.Normal)]
    public SqliteSynchronous Synchronous { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("contracts-bench-").FullName;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddContracts(o => o
            .UseInMemoryTransport(t => t.Endpoint<RecordSale>(e => e.Capacity = 4096))
            .UseSqlite($"Data Source={Path.Combine(_folder, "durable.db")}", s => s.Synchronous = Synchronous));
        _host = builder.Build();
        _host.Start();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();

        _raw = new SqliteConnection($"Data Source={Path.Combine(_folder, "raw.db")}");
        _raw.Open();
        using (SqliteCommand setup = _raw.CreateCommand())
        {
            setup.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL")}; " +
                                "CREATE TABLE queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL);";
            setup.ExecuteNonQuery();
        }

        _insert = _raw.CreateCommand();
        _insert.CommandText = "INSERT INTO queue (payload) VALUES ($payload)";
        _insert.Parameters.AddWithValue("$payload", new byte[64]);
        _delete = _raw.CreateCommand();
        _delete.CommandText = "DELETE FROM queue WHERE seq = $seq";
        _sequence = _delete.Parameters.Add("$seq", SqliteType.Integer);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        _insert.Dispose();
        _delete.Dispose();
        _raw.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public void RawSqlite_Batched64()
    {
        for (int done = 0; done < Messages; done += Window)
        {
            using (SqliteTransaction transaction = _raw.BeginTransaction())
            {
                _insert.Transaction = transaction;
                for (int i = 0; i < Window; i++)
                {
                    _insert.ExecuteNonQuery();
                }

                transaction.Commit();
            }

            using (SqliteTransaction transaction = _raw.BeginTransaction())
            {
                _delete.Transaction = transaction;
                for (int i = 0; i < Window; i++)
                {
                    _sequence.Value = _nextRow++;
                    _delete.ExecuteNonQuery();
                }

                transaction.Commit();
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task Contracts_Durable_64InFlight()
    {
        Task done = _counter.Arm(Messages);
        await InFlight.SendAsync(Messages, Window, () => _bus.SendAsync(new RecordSale(_nextSale++, 9.99m)));
        await done;
    }

    [Benchmark(OperationsPerInvoke = Messages / 8)]
    public async Task Contracts_Durable_EachSendAwaited()
    {
        Task done = _counter.Arm(Messages / 8);
        for (int i = 0; i < Messages / 8; i++)
        {
            await _bus.SendAsync(new RecordSale(_nextSale++, 9.99m));
        }

        await done;
    }
}
