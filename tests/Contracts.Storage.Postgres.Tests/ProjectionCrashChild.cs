using System;
using System.Threading.Tasks;
using Contracts.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// The child of <see cref="ProjectionCrashTests"/>, a real process on the test's schema whose tally daemon projects in
/// small batches: <c>projection-rebuild</c> rebuilds the tally (and is killed midway); <c>projection-daemon</c> runs the
/// daemon, which takes the lease when it is free and goes on from the checkpoint, until it is killed or its standard
/// input closes.
/// </summary>
internal static class ProjectionCrashChild
{
    /// <summary>The children's claim: a killed child's lease is free this long after its last renewal.</summary>
    public static readonly TimeSpan ClaimDuration = TimeSpan.FromSeconds(1.5);

    /// <summary>Small batches, so that a rebuild takes long enough to be killed midway.</summary>
    public const int BatchSize = 4;

    public static async Task<int> RunAsync(string mode, string schema)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(new TallyTable(schema)).AddSingleton(new TallyGate());
        builder.Services.AddContracts(o =>
        {
            o.UseInMemoryTransport().UsePostgres(PostgresServer.ConnectionString, s => s.Schema = schema);
            o.ClaimDuration = ClaimDuration;
            o.ShutdownTimeout = TimeSpan.FromSeconds(2);
            o.Projections.Add<TallyProjection>(ProjectionMode.Async, p => p.BatchSize = BatchSize);
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        Console.WriteLine("started");
        switch (mode)
        {
            case "projection-rebuild":
                await host.Services.GetRequiredService<IProjections>().RebuildAsync("tally");
                Console.WriteLine("rebuilt"); // the test kills it before this
                break;
            case "projection-daemon":
                break;
            default:
                await Console.Error.WriteLineAsync($"unknown mode {mode}");
                return 2;
        }

        await Console.In.ReadToEndAsync(); // until the test closes standard input, or kills the process
        await host.StopAsync();
        return 0;
    }
}
