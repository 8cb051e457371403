using System;
using System.IO;
using System.Threading.Tasks;
using Contracts;
using Contracts.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shop;
using Shop.Contracts;
using Shop.Handlers;

// The Shop: contracts in Shop.Contracts, handlers in Shop.Handlers, this host in a third project.
// The generator wired all of it at compile time; nothing here scans assemblies.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.None); // the flow prints its own account; retries and dead letters are logged as warnings otherwise
builder.Services.AddSingleton<OrderStore>();
builder.Services.AddSingleton<PaymentGateway>();
builder.Services.AddSingleton(TimeProvider.System);

// Durable by default: messages, dead letters and inbox keys in SQLite, in a data folder next to the sample.
string database = builder.Configuration["Shop:Database"] ?? Path.Combine(ShopFlow.SampleFolder(), "data", "shop.db");
builder.Services.AddContracts(o => o
    .UseInMemoryTransport(t =>
    {
        t.SerializeMessages = true;
        t.Endpoint<ChargeCard>(e =>
        {
            e.Delivery = DeliveryMode.EffectivelyOnce; // an order is charged once, whatever is delivered twice
            e.Retry.ImmediateRetries = 1;
            e.Retry.DelayedRetries = 2;
            e.Retry.Delay = TimeSpan.FromMilliseconds(200);
            e.Retry.NeverRetry<PaymentDeclinedException>();
        });
    })
    .UseSqlite($"Data Source={database}"));

using IHost host = builder.Build();
await host.StartAsync();

int exitCode = await ShopFlow.RunAsync(host.Services, database, Console.Out);

await host.StopAsync();
return exitCode;
