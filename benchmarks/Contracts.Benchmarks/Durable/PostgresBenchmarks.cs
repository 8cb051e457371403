using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts;
using Contracts.Storage;
using Contracts.Storage.Postgres;
using JasperFx;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Wolverine;
using Wolverine.Postgresql;

namespace Contracts.Benchmarks.Durable;

[Command]
public partial record PgSale([property: IdempotencyKey] int Sequence, decimal Amount);

public sealed class PgSaleHandler(BatchCompletion counter) : ICommandHandler<PgSale>
{
    public ValueTask HandleAsync(PgSale command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The Wolverine side: the same message, handled from Wolverine's durable local queue on PostgreSQL.</summary>
public sealed record WolverinePgSale(int Sequence, decimal Amount);

public static class WolverinePgSaleHandler
{
    public static void Handle(WolverinePgSale message, BatchCompletion counter) => counter.Signal();
}

/// <summary>
/// Durable messaging on PostgreSQL (the server CI starts, scripts/postgres.sh; set CONTRACTS_POSTGRES to use another),
/// send to handled, in one run:
/// <list type="bullet">
/// <item>raw Npgsql moving the same number of rows as a good engineer would batch them: per 64 messages, one multi-row
/// INSERT (unnest of a bytea array) and one DELETE by an array of sequences, each one round trip and one commit;</item>
/// <item>the same from three connections at once, a third of the messages each (the baseline for three processes);</item>
/// <item>a Contracts bus sending with 64 sends in flight (each committed before its send returns, deleted after its
/// handler ran), and three buses on one schema doing the same with a third of the messages each;</item>
/// <item>a backlog of free rows (loaded in one batch, as a process that stopped leaves them) drained by one bus and by
/// three buses sharing the database, which claim pages with FOR UPDATE SKIP LOCKED (three buses in this process, each
/// with its own store and connection pool, stand for three processes);</item>
/// <item>Wolverine 6.62.0 with its PostgreSQL message store and a durable local queue, 64 sends in flight.</item>
/// </list>
/// Per message: messages per second = 1e9 / mean in ns.
/// </summary>
[MemoryDiagnoser]
public class PostgresBenchmarks
{
    private const int Messages = 1024;
    private const int Window = 64;

    private static readonly string s_server =
        Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES") is { Length: > 0 } configured ? configured : "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

    private readonly List<IHost> _hosts = [];
    private NpgsqlDataSource _raw = null!;
    private IMessageBus _bus = null!;
    private IMessageBus[] _buses = null!;
    private BatchCompletion _counter = null!;
    private PostgresMessageStore _loader = null!;
    private Wolverine.IMessageBus _wolverine = null!;
    private byte[][] _payloads = null!;
    private int _next;

    [GlobalSetup(Target = nameof(RawNpgsql_Batched64))]
    public async Task SetupRaw()
    {
        _raw = NpgsqlDataSource.Create(s_server);
        await using NpgsqlCommand create = _raw.CreateCommand(
            "DROP SCHEMA IF EXISTS bench_raw CASCADE; CREATE SCHEMA bench_raw; " +
            "CREATE TABLE bench_raw.queue (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload bytea NOT NULL);");
        await create.ExecuteNonQueryAsync();
        _payloads = new byte[Window][];
        for (int i = 0; i < Window; i++)
        {
            _payloads[i] = new byte[64];
        }
    }

    [GlobalSetup(Target = nameof(RawNpgsql_Batched64_ThreeConnections))]
    public Task SetupRawThree() => SetupRaw();

    [GlobalSetup(Target = nameof(Contracts_Durable_64InFlight))]
    public async Task SetupContracts() => _bus = (await StartBusesAsync("bench_contracts", 1))[0];

    [GlobalSetup(Target = nameof(Contracts_Durable_64InFlight_ThreeBuses))]
    public async Task SetupContractsThree() => _buses = await StartBusesAsync("bench_contracts3", 3);

    [GlobalSetup(Target = nameof(Contracts_Backlog_OneBus))]
    public async Task SetupBacklogOne() => await StartBacklogAsync("bench_backlog1", 1);

    [GlobalSetup(Target = nameof(Contracts_Backlog_ThreeBuses))]
    public async Task SetupBacklogThree() => await StartBacklogAsync("bench_backlog3", 3);

    [GlobalSetup(Target = nameof(Wolverine_DurableLocalQueue_64InFlight))]
    public async Task SetupWolverine()
    {
        await DropSchemaAsync("bench_wolverine");
        _counter = new BatchCompletion();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_counter);
        builder.UseWolverine(o =>
        {
            o.Durability.Mode = DurabilityMode.Solo;
            o.PersistMessagesWithPostgresql(s_server, "bench_wolverine");
            o.AutoBuildMessageStorageOnStartup = AutoCreate.CreateOrUpdate;
            o.Policies.UseDurableLocalQueues();
            o.Discovery.DisableConventionalDiscovery().IncludeType(typeof(WolverinePgSaleHandler));
        });
        IHost host = builder.Build();
        await host.StartAsync();
        _hosts.Add(host);
        _wolverine = host.Services.GetRequiredService<Wolverine.IMessageBus>();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        foreach (IHost host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        if (_loader is not null)
        {
            await _loader.DisposeAsync();
        }

        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public Task RawNpgsql_Batched64() => RawAsync(Messages);

    /// <summary>The same work from three connections at once, about a third each (5, 5 and 6 batches): the baseline for three processes.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task RawNpgsql_Batched64_ThreeConnections() => Task.WhenAll(RawAsync(5 * Window), RawAsync(5 * Window), RawAsync(Messages - (10 * Window)));

    /// <summary>Moves <paramref name="messages"/> rows (a multiple of <see cref="Window"/>) in batches of <see cref="Window"/>.</summary>
    private async Task RawAsync(int messages)
    {
        for (int done = 0; done < messages; done += Window)
        {
            long[] sequences = new long[Window];
            await using (NpgsqlCommand insert = _raw.CreateCommand("INSERT INTO bench_raw.queue (payload) SELECT unnest($1) RETURNING seq"))
            {
                insert.Parameters.Add(new NpgsqlParameter<byte[][]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, TypedValue = _payloads });
                await using NpgsqlDataReader reader = await insert.ExecuteReaderAsync();
                for (int i = 0; await reader.ReadAsync(); i++)
                {
                    sequences[i] = reader.GetInt64(0);
                }
            }

            await using NpgsqlCommand delete = _raw.CreateCommand("DELETE FROM bench_raw.queue WHERE seq = ANY($1)");
            delete.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences });
            await delete.ExecuteNonQueryAsync();
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task Contracts_Durable_64InFlight()
    {
        Task done = _counter.Arm(Messages);
        await InFlight.SendAsync(Messages, Window, () => _bus.SendAsync(new PgSale(_next++, 9.99m)));
        await done;
    }

    /// <summary>Three buses on one schema (three processes), each sending a third with 64 sends in flight and handling its own.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task Contracts_Durable_64InFlight_ThreeBuses()
    {
        Task done = _counter.Arm(Messages);
        await Task.WhenAll(SendFromAsync(_buses[0], Messages / 3), SendFromAsync(_buses[1], Messages / 3), SendFromAsync(_buses[2], Messages - (2 * (Messages / 3))));
        await done;
    }

    private Task SendFromAsync(IMessageBus bus, int messages) =>
        InFlight.SendAsync(messages, Window, () => bus.SendAsync(new PgSale(Interlocked.Increment(ref _next), 9.99m)));

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task Contracts_Backlog_OneBus() => LoadAndDrainAsync();

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task Contracts_Backlog_ThreeBuses() => LoadAndDrainAsync();

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task Wolverine_DurableLocalQueue_64InFlight()
    {
        Task done = _counter.Arm(Messages);
        await InFlight.SendAsync(Messages, Window, () => _wolverine.SendAsync(new WolverinePgSale(_next++, 9.99m)));
        await done;
    }

    /// <summary>Queues <see cref="Messages"/> free rows in one batch (the release wakes the buses), then waits until they are handled.</summary>
    private async Task LoadAndDrainAsync()
    {
        Task done = _counter.Arm(Messages);
        var claim = new StoreClaim("loader", DateTimeOffset.UtcNow.AddMinutes(5));
        var page = new MessageRecord[Messages];
        for (int i = 0; i < page.Length; i++)
        {
            page[i] = Record(new PgSale(_next++, 9.99m));
        }

        await _loader.Queue.EnqueueAsync(page, claim, CancellationToken.None);
        await _loader.Queue.ReleaseAsync("loader", CancellationToken.None);
        await done;
    }

    private async Task StartBacklogAsync(string schema, int buses)
    {
        await StartBusesAsync(schema, buses);
        _loader = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = s_server, Schema = schema, ListenForWork = false });
        await _loader.InitializeAsync(CancellationToken.None);
    }

    private async Task<IMessageBus[]> StartBusesAsync(string schema, int count)
    {
        await DropSchemaAsync(schema);
        _counter = new BatchCompletion();
        var buses = new IMessageBus[count];
        for (int i = 0; i < count; i++)
        {
            HostApplicationBuilder builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(_counter);
            builder.Services.AddContracts(o => o
                .UseInMemoryTransport(t => t.Endpoint<PgSale>(e =>
                {
                    e.Capacity = 4096;
                    e.MaxConcurrency = 4;
                }))
                .UsePostgres(s_server, s => s.Schema = schema));
            IHost host = builder.Build();
            await host.StartAsync();
            _hosts.Add(host);
            buses[i] = host.Services.GetRequiredService<IMessageBus>();
        }

        return buses;
    }

    private static async Task DropSchemaAsync(string schema)
    {
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(s_server);
        await using NpgsqlCommand drop = source.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        await drop.ExecuteNonQueryAsync();
    }

    private static ContractDescriptor<T> ContractOf<T>()
        where T : class, IContract<T> => T.Contract;

    /// <summary>The stored form of <paramref name="sale"/>, as a bus queues it on its endpoint.</summary>
    private static MessageRecord Record(PgSale sale)
    {
        ContractDescriptor<PgSale> contract = ContractOf<PgSale>();
        var payload = new System.Buffers.ArrayBufferWriter<byte>(32);
        contract.Serialize(payload, sale);
        return new MessageRecord
        {
            Endpoint = contract.Name,
            MessageId = Guid.CreateVersion7(),
            ContractName = contract.Name,
            ContractVersion = contract.Version,
            CorrelationId = Guid.NewGuid(),
            IdempotencyKey = contract.GetIdempotencyKey(sale),
            SentAt = DateTimeOffset.UtcNow,
            Payload = payload.WrittenMemory.ToArray(),
        };
    }
}
