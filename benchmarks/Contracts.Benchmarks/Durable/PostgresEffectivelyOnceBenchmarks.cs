using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Contracts.Benchmarks.Durable;

[Command]
public partial record RecordPgPayment([property: IdempotencyKey] int Sequence, decimal Amount);

/// <summary>The payments table of the benchmark's schema.</summary>
public sealed record PgPayments(string Insert);

/// <summary>Writes one row in the delivery's consume transaction on PostgreSQL: the effect that must happen exactly once.</summary>
public sealed class RecordPgPaymentHandler(BatchCompletion counter, PgPayments payments) : ICommandHandler<RecordPgPayment>
{
    public async ValueTask HandleAsync(RecordPgPayment command, MessageContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using (var insert = new NpgsqlCommand(payments.Insert, transaction.Connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = command.Sequence });
            insert.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = command.Amount });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        counter.Signal();
    }
}

/// <summary>
/// Effectively-once deliveries on PostgreSQL (issue 16 target 3, "same for PostgreSQL"): each handler inserts a row in
/// its consume transaction, which commits with the inbox key (a savepoint in a group transaction shared by the
/// deliveries that wait meanwhile, one commit per group: see docs/postgres.md); 64 sends in flight, the endpoint
/// handling <see cref="Concurrency"/> deliveries at once. The baseline does the same rows by hand as a good engineer
/// would batch them: per message one queued row, one payment row and one inbox row, 64 messages per transaction in
/// one round trip, then the 64 queued rows deleted by one statement. Per message: messages per second = 1e9 / mean in ns.
/// </summary>
[MemoryDiagnoser]
public class PostgresEffectivelyOnceBenchmarks
{
    private const int Messages = 1024;
    private const int Window = 64;
    private const string Schema = "bench_eonce";
    private const string RawSchema = "bench_eonce_raw";

    private static readonly string s_server =
        Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES") is { Length: > 0 } configured ? configured : "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

    private IHost? _host;
    private IMessageBus _bus = null!;
    private BatchCompletion _counter = null!;
    private NpgsqlDataSource _raw = null!;
    private byte[] _payload = null!;
    private int _nextPayment;

    [Params(16, 64)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _raw = NpgsqlDataSource.Create(s_server);
        await using (NpgsqlCommand create = _raw.CreateCommand(
            $"DROP SCHEMA IF EXISTS {Schema} CASCADE; DROP SCHEMA IF EXISTS {RawSchema} CASCADE; CREATE SCHEMA {Schema}; CREATE SCHEMA {RawSchema}; " +
            $"CREATE TABLE {Schema}.payments (sequence integer PRIMARY KEY, amount numeric NOT NULL); " +
            $"CREATE TABLE {RawSchema}.queue (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload bytea NOT NULL); " +
            $"CREATE TABLE {RawSchema}.payments (sequence integer PRIMARY KEY, amount numeric NOT NULL); " +
            $"CREATE TABLE {RawSchema}.inbox (endpoint text NOT NULL, key text NOT NULL, processed_at timestamptz NOT NULL, PRIMARY KEY (endpoint, key));"))
        {
            await create.ExecuteNonQueryAsync();
        }

        _payload = new byte[64];
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddSingleton(new PgPayments($"INSERT INTO {Schema}.payments (sequence, amount) VALUES ($1, $2)"));
        builder.Services.AddContracts(o => o
            .UseInMemoryTransport(t => t.Endpoint<RecordPgPayment>(e =>
            {
                e.Capacity = 4096;
                e.Delivery = DeliveryMode.EffectivelyOnce;
                e.MaxConcurrency = Concurrency;
            }))
            .UsePostgres(s_server, s => s.Schema = Schema));
        _host = builder.Build();
        await _host.StartAsync();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        await using (NpgsqlCommand drop = _raw.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE; DROP SCHEMA IF EXISTS {RawSchema} CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await _raw.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public async Task RawNpgsql_Batched64()
    {
        await using NpgsqlConnection connection = await _raw.OpenConnectionAsync();
        for (int done = 0; done < Messages; done += Window)
        {
            long last;
            await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync())
            {
                await using var batch = new NpgsqlBatch(connection, transaction);
                for (int i = 0; i < Window; i++)
                {
                    int sequence = _nextPayment++;
                    var queue = new NpgsqlBatchCommand($"INSERT INTO {RawSchema}.queue (payload) VALUES ($1) RETURNING seq");
                    queue.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = _payload });
                    var payment = new NpgsqlBatchCommand($"INSERT INTO {RawSchema}.payments (sequence, amount) VALUES ($1, 9.99)");
                    payment.Parameters.Add(new NpgsqlParameter<int> { TypedValue = sequence });
                    var inbox = new NpgsqlBatchCommand($"INSERT INTO {RawSchema}.inbox (endpoint, key, processed_at) VALUES ('payments', $1, now())");
                    inbox.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    batch.BatchCommands.Add(queue);
                    batch.BatchCommands.Add(payment);
                    batch.BatchCommands.Add(inbox);
                }

                last = 0;
                await using (NpgsqlDataReader reader = await batch.ExecuteReaderAsync())
                {
                    do
                    {
                        while (await reader.ReadAsync())
                        {
                            last = reader.GetInt64(0);
                        }
                    }
                    while (await reader.NextResultAsync());
                }

                await transaction.CommitAsync();
            }

            await using NpgsqlCommand delete = new($"DELETE FROM {RawSchema}.queue WHERE seq > $1 AND seq <= $2", connection);
            delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last - Window });
            delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last });
            await delete.ExecuteNonQueryAsync();
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task Contracts_EffectivelyOnce_64InFlight()
    {
        Task done = _counter.Arm(Messages);
        await InFlight.SendAsync(Messages, Window, () => _bus.SendAsync(new RecordPgPayment(_nextPayment++, 9.99m)));
        await done;
    }
}
