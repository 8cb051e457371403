using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// One consumer process of the crash test: a bus on the test's schema that takes free <see cref="Work"/> rows, applies each
/// in its consume transaction, and runs until killed (or until its standard input closes).
/// </summary>
public static class CrashChild
{
    public const string ModeVariable = "CONTRACTS_PG_CRASH_CHILD";
    public const string SchemaVariable = "CONTRACTS_PG_CRASH_SCHEMA";

    /// <summary>The lease of the crash test's buses: a killed process's rows are free this long after its last renewal.</summary>
    public static readonly TimeSpan ClaimDuration = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(string schema)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning); // to the test's log of this process
        builder.Services.AddSingleton(new EffectTable(schema, $"pid-{Environment.ProcessId}"));
        builder.Services.AddSingleton(new WorkPace { Delay = TimeSpan.Zero });
        builder.Services.AddContracts(o =>
        {
            o.UseInMemoryTransport(t => t.Endpoint<Work>(e =>
            {
                e.Delivery = DeliveryMode.EffectivelyOnce;
                e.MaxConcurrency = 8; // a bus claims a row per free worker: more workers, more rows held when it is killed
                e.Capacity = 256;
            }))
            .UsePostgres(PostgresServer.ConnectionString, s => s.Schema = schema);
            o.ClaimDuration = ClaimDuration;
            o.ShutdownTimeout = TimeSpan.FromSeconds(2);
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        Console.WriteLine("started");
        await Console.In.ReadToEndAsync(); // until the test closes standard input, or kills the process
        await host.StopAsync();
        return 0;
    }
}
