using System;
using System.IO;
using System.Threading.Tasks;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
if (!ShopArguments.TryParse(args, Environment.GetEnvironmentVariable("CONTRACTS_RABBITMQ"), out ShopArguments? options, out string? usage))
{
    Console.Error.WriteLine(usage);
    return 2;
}

HostApplicationBuilder builder = Host.CreateApplicationBuilder(options.HostArguments);
builder.Logging.SetMinimumLevel(LogLevel.None); // the flow prints its own account; retries and dead letters are logged as warnings otherwise
builder.Services.AddSingleton<OrderStore>();
builder.Services.AddSingleton<PaymentGateway>();
builder.Services.AddSingleton(TimeProvider.System);

// A SQLite file in a data folder next to the sample: in process it keeps messages, dead letters and inbox keys; on
// RabbitMQ, where the broker keeps messages and error queues, only inbox keys.
string database = builder.Configuration["Shop:Database"] ?? Path.Combine(ShopFlow.SampleFolder(), "data", "shop.db");
string databaseName = Path.GetRelativePath(Environment.CurrentDirectory, database);

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

string[] description;
await using RabbitMqSampleQueues? broker = options.RabbitMq is { } uri ? await ConnectAsync(uri) : null;
if (options.RabbitMq is not null && broker is null)
{
    return 2;
}

if (broker is not null)
{
    // On a broker the queues hold the messages and failures go to each endpoint's '<queue>.error' queue; SQLite
    // keeps the inbox of the EffectivelyOnce ChargeCard endpoint (and would keep an outbox).
    builder.Services.AddContracts(o => o
        .UseRabbitMq(broker.Uri.AbsoluteUri, ConfigureEndpoints)
        .UseSqlite($"Data Source={database}"));
    description =
    [
        $"Contracts Shop: endpoints on RabbitMQ at {broker.Uri.Host}:{broker.Uri.Port} (a durable queue per endpoint, publisher confirms),",
        $"inbox on SQLite ({databaseName}), every message through its generated formatter",
    ];
}
else
{
    // Durable by default: messages, dead letters and inbox keys in SQLite.
    builder.Services.AddContracts(o => o
        .UseInMemoryTransport(t =>
        {
            t.SerializeMessages = true;
            ConfigureEndpoints(t);
        })
        .UseSqlite($"Data Source={database}"));
    description =
    [
        $"Contracts Shop: durable in-process endpoints on SQLite ({databaseName}),",
        "every message through its generated formatter",
    ];
}

using IHost host = builder.Build();
IDeadLetterSource deadLetters = new BusDeadLetters(
    host.Services.GetRequiredService<IDeadLetters>(), broker is null ? "dead letters" : "its error queue", broker?.Purged);
try
{
    await host.StartAsync();
}
catch (InvalidOperationException ex) when (broker is not null)
{
    // Reachable a moment ago; the transport's message says what failed (a queue with other settings, the broker gone).
    Console.Error.WriteLine($"Shop: the bus did not start on RabbitMQ: {ex.Message}");
    return 2;
}

int exitCode = await ShopFlow.RunAsync(host.Services, description, deadLetters, Console.Out);

await host.StopAsync();
return exitCode;

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
