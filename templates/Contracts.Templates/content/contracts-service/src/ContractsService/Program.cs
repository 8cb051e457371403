using Contracts;
using ContractsService;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);

// What the handlers need comes from DI, like any service.
builder.Services.AddSingleton<OrderBook>();

// The bus: in-process endpoints made durable by SQLite (a send returns once the message is committed; what was not
// handled when the process stopped is handled after a restart), settings from the "Contracts" section of appsettings.json.
string store = builder.Configuration.GetConnectionString("Contracts") ?? "Data Source=data/ContractsService.db";
builder.Services.AddContracts(builder.Configuration.GetSection("Contracts"), o => o.UseInMemoryTransport().UseSqlite(store));

// After AddContracts: hosted services start in order, so the bus runs before anything sends on it.
builder.Services.AddHostedService<SampleOrders>();

IHost host = builder.Build();
await host.RunAsync();
