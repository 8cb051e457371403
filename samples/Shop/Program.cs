using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client.Exceptions;
using Shop;
using Shop.Contracts;
using Shop.Handlers;

// The Shop: contracts in Shop.Contracts, handlers in Shop.Handlers, this host in a third project.
// The generator wired all of it at compile time; nothing here scans assemblies.
//
//   dotnet run --project samples/Shop                          in-process endpoints, durable on SQLite (the default)
//   dotnet run --project samples/Shop -- --transport rabbitmq  the same flow through RabbitMQ (scripts/rabbitmq.sh start)
//                                        [--rabbitmq <uri>]    the broker; else $CONTRACTS_RABBITMQ, else amqp://guest:guest@127.0.0.1:5672/
//   dotnet run --project samples/Shop -- --transport nats      the same flow through NATS JetStream (scripts/nats.sh start)
//                                        [--nats <url>]        the server; else $CONTRACTS_NATS, else nats://127.0.0.1:4222
//   dotnet run --project samples/Shop -- --transport redis     the same flow through Redis Streams (scripts/redis.sh start)
//                                        [--redis <config>]    the server; else $CONTRACTS_REDIS, else 127.0.0.1:6379
//   dotnet run --project samples/Shop -- --store postgres      the store in PostgreSQL instead of SQLite (scripts/postgres.sh start)
//                                        [--postgres <conn>]   the database; else $CONTRACTS_POSTGRES, else Host=127.0.0.1;Username=postgres;Database=postgres
//   dotnet run --project samples/Shop -- --rebuild             no orders: rebuilds the order summaries from the event log (with any of the above)
if (!ShopArguments.TryParse(
    args, Environment.GetEnvironmentVariable("CONTRACTS_RABBITMQ"), Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES"),
    Environment.GetEnvironmentVariable("CONTRACTS_NATS"), Environment.GetEnvironmentVariable("CONTRACTS_REDIS"), out ShopArguments? options, out string? usage))
{
    Console.Error.WriteLine(usage);
    return 2;
}

HostApplicationBuilder builder = Host.CreateApplicationBuilder(options.HostArguments);
builder.Logging.SetMinimumLevel(LogLevel.None); // the flow prints its own account; retries and dead letters are logged as warnings otherwise
builder.Services.AddSingleton<OrderBook>();
builder.Services.AddSingleton<PaymentGateway>();
builder.Services.AddSingleton(TimeProvider.System);

// The store: a SQLite file in a data folder next to the sample, or PostgreSQL (schema "shop"). In process it keeps
// messages, dead letters and inbox keys; on RabbitMQ, where the broker keeps messages and error queues, only inbox keys.
string database = builder.Configuration["Shop:Database"] ?? Path.Combine(ShopFlow.SampleFolder(), "data", "shop.db");
string databaseName = options.Postgres is { } postgres
    ? $"PostgreSQL {DescribePostgres(postgres)}, schema shop"
    : $"SQLite {Path.GetRelativePath(Environment.CurrentDirectory, database)}";
// The orders are event-sourced (Shop.Handlers.Order) in the store's event log; their summaries, which GetOrder reads,
// are projected into two tables of the same database by the asynchronous OrderSummaries projection.
await using NpgsqlDataSource? postgresSource = options.Postgres is { } postgresConnection ? NpgsqlDataSource.Create(postgresConnection) : null;
OrderSummaryTable summaries = postgresSource is not null
    ? new OrderSummaryTable("shop.", static c => c.GetPostgresTransaction(), postgresSource.CreateConnection, "CREATE SCHEMA IF NOT EXISTS shop; ")
    : new OrderSummaryTable("", static c => c.GetSqliteTransaction(), () => new SqliteConnection($"Data Source={database}"));
builder.Services.AddSingleton(summaries);
void UseStore(ContractsOptions o)
{
    if (options.Postgres is { } connectionString)
    {
        o.UsePostgres(connectionString, s => s.Schema = "shop");
    }
    else
    {
        o.UseSqlite($"Data Source={database}");
    }

    o.Projections.Add<OrderSummaries>(ProjectionMode.Async);
}

// The endpoint settings are the transport's shared API: the same on either transport.
static void ConfigureEndpoints(TransportOptions t) =>
    t.Endpoint<ChargeCard>(e =>
    {
        e.Delivery = DeliveryMode.EffectivelyOnce; // an order is charged once, whatever is delivered twice
        e.Retry.ImmediateRetries = 1;
        e.Retry.DelayedRetries = 2;
        e.Retry.Delay = TimeSpan.FromMilliseconds(200);
        e.Retry.NeverRetry<PaymentDeclinedException>();
    });

// Bus options and endpoint settings may also come from configuration (appsettings.json, CONTRACTS__... environment
// variables, or `-- --Contracts:QueryTimeout=00:00:05` on the command line), applied over the code above.
IConfigurationSection contractsSettings = builder.Configuration.GetSection("Contracts");

string[] description;
await using RabbitMqSampleQueues? broker = options.RabbitMq is { } uri ? await ConnectAsync(uri) : null;
if (options.RabbitMq is not null && broker is null)
{
    return 2;
}

string? redisReset = null;
if (options.Nats is { } natsUrl)
{
    // On NATS JetStream a stream per endpoint holds the messages (prefix "shop"), failures go to the dead-letter stream
    // that IDeadLetters reads, and the store keeps the inbox and the delayed retries (JetStream 2.9 cannot delay).
    builder.Services.AddContracts(contractsSettings, o => UseStore(o.UseNats(natsUrl, t =>
    {
        t.Prefix = "shop";
        ConfigureEndpoints(t);
    })));
    description =
    [
        $"Contracts Shop: endpoints on NATS JetStream at {natsUrl} (a work-queue stream per endpoint, acknowledged publishes),",
        $"inbox and delays on {databaseName}, every message through its generated formatter",
    ];
}
else if (options.Redis is { } redis)
{
    // Streams outlive a run as queues do: the sample deletes its own (an application would not).
    redisReset = await RedisSampleStreams.ResetAsync(redis, ShopQueues.All());
    if (redisReset is null)
    {
        return 2;
    }

    builder.Services.AddContracts(contractsSettings, o => UseStore(o.UseRedis(redis, ConfigureEndpoints)));
    description =
    [
        $"Contracts Shop: endpoints on Redis Streams at {redis} (a stream and a consumer group per endpoint),",
        $"inbox on {databaseName}, every message through its generated formatter",
    ];
}
else if (broker is not null)
{
    // On a broker the queues hold the messages and failures go to each endpoint's '<queue>.error' queue; the store
    // keeps the inbox of the EffectivelyOnce ChargeCard endpoint (and would keep an outbox).
    builder.Services.AddContracts(contractsSettings, o => UseStore(o.UseRabbitMq(broker.Uri.AbsoluteUri, ConfigureEndpoints)));
    description =
    [
        $"Contracts Shop: endpoints on RabbitMQ at {broker.Uri.Host}:{broker.Uri.Port} (a durable queue per endpoint, publisher confirms),",
        $"inbox on {databaseName}, every message through its generated formatter",
    ];
}
else
{
    // Durable by default: messages, dead letters and inbox keys in the store.
    builder.Services.AddContracts(contractsSettings, o => UseStore(o.UseInMemoryTransport(t =>
    {
        t.SerializeMessages = true;
        ConfigureEndpoints(t);
    })));
    description =
    [
        $"Contracts Shop: durable in-process endpoints on {databaseName},",
        "every message through its generated formatter",
    ];
}

using IHost host = builder.Build();
IDeadLetterSource deadLetters = new BusDeadLetters(
    host.Services.GetRequiredService<IDeadLetters>(),
    options.Nats is not null ? "the dead-letter stream" : options.Redis is not null ? "its dead-letter stream" : broker is null ? "dead letters" : "its error queue",
    options.Redis is not null ? (redisReset!.Length > 0 ? redisReset : null) : broker?.Purged);
try
{
    if (postgresSource is null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(database))!);
    }

    await summaries.CreateAsync(CancellationToken.None); // the application's own tables, before the projection's first batch
    await host.StartAsync();
}
catch (NpgsqlException ex)
{
    Console.Error.WriteLine($"Shop: PostgreSQL {DescribePostgres(options.Postgres!)} did not answer ({ex.Message}); start it with scripts/postgres.sh start.");
    return 2;
}
catch (InvalidOperationException ex) when (broker is not null || options.Redis is not null || options.Postgres is not null || options.Nats is not null)
{
    // The transport's or the store's message says what failed (a queue with other settings, the broker gone, no database).
    Console.Error.WriteLine($"Shop: the bus did not start: {ex.Message}");
    return 2;
}

int exitCode = options.Rebuild
    ? await ShopRebuild.RunAsync(host.Services, description, summaries, Console.Out)
    : await ShopFlow.RunAsync(host.Services, description, deadLetters, Console.Out);

await host.StopAsync();
return exitCode;

// Where the store is, without the password.
static string DescribePostgres(string connectionString)
{
    var settings = new NpgsqlConnectionStringBuilder(connectionString);
    return $"at {settings.Host}:{settings.Port}/{settings.Database ?? settings.Username}";
}

// The sample's own connection: it checks the broker is there, empties the sample's queues, and later reads the error queue.
static async Task<RabbitMqSampleQueues?> ConnectAsync(Uri uri)
{
    try
    {
        return await RabbitMqSampleQueues.ConnectAsync(uri, ShopQueues.All());
    }
    catch (BrokerUnreachableException ex) when (ex.InnerException is AuthenticationFailureException)
    {
        Console.Error.WriteLine($"Shop: RabbitMQ at {uri.Host}:{uri.Port} refused the login ({ex.InnerException.Message}); check the user and password in the URI.");
        return null;
    }
    catch (BrokerUnreachableException ex)
    {
        Console.Error.WriteLine(
            $"Shop: RabbitMQ is not reachable at {uri.Host}:{uri.Port} ({ex.GetBaseException().Message}). " +
            "Start it with scripts/rabbitmq.sh start, or pass --rabbitmq <uri> / set CONTRACTS_RABBITMQ.");
        return null;
    }
    catch (InvalidOperationException ex)
    {
        Console.Error.WriteLine($"Shop: {ex.Message}");
        return null;
    }
}
