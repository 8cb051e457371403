using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.Redis.Tests;

/// <summary>The Contracts health checks on the Redis transport: connection, backlog (the group's lag) and dead letters.</summary>
public sealed class HealthTests
{
    private const string Endpoint = "RedisTests.Mixed";

    [Fact]
    public async Task The_checks_see_the_connection_the_groups_lag_and_the_dead_letter_streams()
    {
        await RedisServer.ResetAsync(Endpoint);

        // A consumer creates the stream and group, then stops: what is sent after waits in the stream.
        IHost consumer = await RedisHost.StartAsync(new Probe(), t => t.Endpoint<Mixed>(e => e.Consume = true));
        await consumer.StopQuietlyAsync();

        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(new Probe());
        builder.Services.AddContracts(o => o.UseRedis(RedisServer.Configuration, t =>
        {
            t.Defaults.Consume = false;
            t.Endpoint<Mixed>(e => e.Consume = false);
        }));
        builder.Services.AddHealthChecks().AddContracts(h => h.Backlog.DegradedAbove = 2);
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();
            HealthReport report = await health.CheckHealthAsync(TestContext.Current.CancellationToken);
            HealthReportEntry transport = report.Entries["contracts-transport"];
            Assert.Equal(HealthStatus.Healthy, transport.Status);
            Assert.Contains("connected to Redis at 127.0.0.1:6379 (prefix 'contracts')", transport.Description, StringComparison.Ordinal);

            for (int i = 0; i < 3; i++)
            {
                await host.Services.GetRequiredService<IMessageBus>().SendAsync(new Mixed(i, Poison: false), cancellationToken: TestContext.Current.CancellationToken);
            }

            report = await health.CheckHealthAsync(TestContext.Current.CancellationToken);
            HealthReportEntry backlog = report.Entries["contracts-backlog"];
            Assert.Equal(HealthStatus.Degraded, backlog.Status);
            Assert.Equal(3L, backlog.Data[Endpoint]);
            Assert.Equal(HealthStatus.Healthy, report.Entries["contracts-dead-letters"].Status);
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
