using System;
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
public partial record RecordPayment([property: IdempotencyKey] int Sequence, decimal Amount);

/// <summary>How the benchmark's handler asks for its consume transaction.</summary>
public sealed record TurnWait(bool Async);

/// <summary>Writes one row in the delivery's consume transaction: the effect that must happen exactly once.</summary>
public sealed class RecordPaymentHandler(BatchCompletion counter, TurnWait wait) : ICommandHandler<RecordPayment>
{
    public async ValueTask HandleAsync(RecordPayment command, MessageContext context, CancellationToken cancellationToken)
    {
        SqliteTransaction transaction = wait.Async
            ? await context.GetSqliteTransactionAsync(cancellationToken)
            : context.GetSqliteTransaction();
        using (SqliteCommand insert = transaction.Connection!.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO payments (sequence, amount) VALUES ($sequence, $amount)";
            insert.Parameters.AddWithValue("$sequence", command.Sequence);
            insert.Parameters.AddWithValue("$amount", (double)command.Amount);
            insert.ExecuteNonQuery();
        }

        counter.Signal();
    }
}

/// <summary>
/// Effectively-once deliveries on a SQLite file (WAL, <c>synchronous = Full</c>): each handler inserts a row in its
/// consume transaction, which commits with the inbox key; 64 sends in flight, the endpoint handling
/// <see cref="Concurrency"/> deliveries at once, the handler waiting for its turn on the store's writer blocking or not
/// (<see cref="AsyncTurn"/>). The baseline does the same rows by hand, as a good engineer would
/// batch them: per message one payment row, one inbox row and one queued row, 64 messages per commit, then the 64
/// queued rows deleted in one more commit. Per message: messages per second = 1e9 / mean in ns.
/// </summary>
[MemoryDiagnoser]
public class EffectivelyOnceBenchmarks
{
    private const int Messages = 2048;
    private const int Window = 64;

    private string _folder = null!;
    private IHost _host = null!;
    private IMessageBus _bus = null!;
    private BatchCompletion _counter = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _queue = null!;
    private SqliteCommand _payment = null!;
    private SqliteCommand _inbox = null!;
    private SqliteCommand _delete = null!;
    private long _nextRow = 1;
    private int _nextPayment;

    [Params(1, 16, 64)]
    public int Concurrency { get; set; }

    /// <summary>The handler waits for its turn with <c>GetSqliteTransactionAsync</c> (true) or blocks in <c>GetSqliteTransaction</c> (false).</summary>
    [Params(false, true)]
    public bool AsyncTurn { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("contracts-bench-").FullName;
        string database = Path.Combine(_folder, "effectively-once.db");
        using (var connection = new SqliteConnection($"Data Source={database}"))
        {
            connection.Open();
            using SqliteCommand create = connection.CreateCommand();
            create.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE payments (sequence INTEGER PRIMARY KEY, amount REAL NOT NULL);";
            create.ExecuteNonQuery();
        }

        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddSingleton(new TurnWait(AsyncTurn));
        builder.Services.AddContracts(o => o
            .UseInMemoryTransport(t => t.Endpoint<RecordPayment>(e =>
            {
                e.Capacity = 4096;
                e.Delivery = DeliveryMode.EffectivelyOnce;
                e.MaxConcurrency = Concurrency;
            }))
            .UseSqlite($"Data Source={database}", s => s.Synchronous = SqliteSynchronous.Full));
        _host = builder.Build();
        _host.Start();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();

        _raw = new SqliteConnection($"Data Source={Path.Combine(_folder, "raw.db")}");
        _raw.Open();
        using (SqliteCommand setup = _raw.CreateCommand())
        {
            setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; " +
                                "CREATE TABLE queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL); " +
                                "CREATE TABLE payments (sequence INTEGER PRIMARY KEY, amount REAL NOT NULL); " +
                                "CREATE TABLE inbox (endpoint TEXT NOT NULL, key TEXT NOT NULL, processed_at INTEGER NOT NULL, PRIMARY KEY (endpoint, key));";
            setup.ExecuteNonQuery();
        }

        _queue = Prepared("INSERT INTO queue (payload) VALUES ($payload)", "$payload");
        _queue.Parameters[0].Value = new byte[64];
        _payment = Prepared("INSERT INTO payments (sequence, amount) VALUES ($sequence, 9.99)", "$sequence");
        _inbox = Prepared("INSERT INTO inbox (endpoint, key, processed_at) VALUES ('payments', $key, 0)", "$key");
        _delete = Prepared("DELETE FROM queue WHERE seq = $seq", "$seq");
    }

    private SqliteCommand Prepared(string sql, string parameter)
    {
        SqliteCommand command = _raw.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(parameter, SqliteType.Blob);
        return command;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        _queue.Dispose();
        _payment.Dispose();
        _inbox.Dispose();
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
                _queue.Transaction = transaction;
                _payment.Transaction = transaction;
                _inbox.Transaction = transaction;
                for (int i = 0; i < Window; i++)
                {
                    int sequence = _nextPayment++;
                    _queue.ExecuteNonQuery();
                    _payment.Parameters[0].Value = sequence;
                    _payment.ExecuteNonQuery();
                    _inbox.Parameters[0].Value = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    _inbox.ExecuteNonQuery();
                }

                transaction.Commit();
            }

            using (SqliteTransaction transaction = _raw.BeginTransaction())
            {
                _delete.Transaction = transaction;
                for (int i = 0; i < Window; i++)
                {
                    _delete.Parameters[0].Value = _nextRow++;
                    _delete.ExecuteNonQuery();
                }

                transaction.Commit();
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task Contracts_EffectivelyOnce_64InFlight()
    {
        Task done = _counter.Arm(Messages);
        await InFlight.SendAsync(Messages, Window, () => _bus.SendAsync(new RecordPayment(_nextPayment++, 9.99m)));
        await done;
    }
}
