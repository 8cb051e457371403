using System;
using System.Threading.Tasks;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shop;
using Shop.Contracts;
using Shop.Handlers;

// The Shop: contracts in Shop.Contracts, handlers in Shop.Handlers, this host in a third project.
// The generator wired all of it at compile time; nothing here scans assemblies.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<OrderStore>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddContracts(o => o.UseInMemoryTransport(t => t.SerializeMessages = true));

using IHost host = builder.Build();
await host.StartAsync();

int exitCode = await ShopFlow.RunAsync(host.Services, Console.Out);

await host.StopAsync();
return exitCode;
