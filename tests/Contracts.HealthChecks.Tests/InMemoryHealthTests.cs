using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Contracts.HealthChecks.Tests;

/// <summary>The checks over the in-memory transport and store: what every check says when all is well, and the thresholds.</summary>
public sealed class InMemoryHealthTests
{
    private static void NoRetries(ContractsOptions o) => o.UseInMemoryTransport(t =>
    {
        t.Defaults.Retry.ImmediateRetries = 0;
        t.Defaults.Retry.DelayedRetries = 0;
    });

    [Fact]
    public async Task A_started_bus_in_memory_is_healthy_on_every_check()
    {
        await using HealthHost host = await HealthHost.StartAsync(NoRetries);

        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["contracts-backlog", "contracts-dead-letters", "contracts-store", "contracts-transport"], report.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.All(report.Entries.Values, e => Assert.Equal(HealthStatus.Healthy, e.Status));
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("The bus runs; its transport is in process: nothing to connect to.", report.Entries["contracts-transport"].Description);
        Assert.StartsWith("The store (InMemoryMessageStore) answered in ", report.Entries["contracts-store"].Description, StringComparison.Ordinal);
        Assert.Equal("0 dead letters (degraded above 0).", report.Entries["contracts-dead-letters"].Description);
        Assert.Equal("2 endpoints under degraded above 1000.", report.Entries["contracts-backlog"].Description);
        Assert.All(report.Entries.Values, e => Assert.Contains("contracts", e.Tags));
    }

    [Fact]
    public async Task A_bus_whose_host_has_not_started_is_unhealthy_and_says_so()
    {
        await using HealthHost host = HealthHost.Build(NoRetries);

        HealthReportEntry transport = await host.CheckAsync("transport");

        Assert.Equal(HealthStatus.Unhealthy, transport.Status);
        Assert.Contains("The bus is not started", transport.Description, StringComparison.Ordinal);
        Assert.False(host.Probe.IsRunning);
        await host.TryStartAsync();
        Assert.True(host.Probe.IsRunning);
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("transport")).Status);
    }

    [Fact]
    public async Task A_stopped_bus_is_unhealthy()
    {
        await using HealthHost host = await HealthHost.StartAsync(NoRetries);
        await host.StopAsync();

        HealthReportEntry transport = await host.CheckAsync("transport");

        Assert.Equal(HealthStatus.Unhealthy, transport.Status);
        Assert.Contains("The bus has stopped", transport.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backlog_above_the_thresholds_is_degraded_then_unhealthy_and_healthy_again_once_drained()
    {
        await using HealthHost host = await HealthHost.StartAsync(
            NoRetries,
            h =>
            {
                h.Backlog.DegradedAbove = 2;
                h.Backlog.UnhealthyAbove = 4;
            });
        string endpoint = host.Probe.Endpoints.Single(e => e.EndsWith("Work", StringComparison.Ordinal));

        // The one worker takes the first message and waits at the gate: every later one waits on the endpoint.
        for (int i = 0; i < 4; i++)
        {
            await host.Bus.SendAsync(new Work(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        }

        await HealthHost.EventuallyAsync(async () => (await host.CheckAsync("backlog")).Data.TryGetValue(endpoint, out object? n) && (long)n == 3, "3 messages waiting");
        HealthReportEntry degraded = await host.CheckAsync("backlog");
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.StartsWith($"'{endpoint}' has 3 waiting (degraded above 2, unhealthy above 4)", degraded.Description, StringComparison.Ordinal);

        for (int i = 0; i < 2; i++)
        {
            await host.Bus.SendAsync(new Work(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        }

        HealthReportEntry unhealthy = await host.CheckAsync("backlog");
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Equal(5L, unhealthy.Data[endpoint]);

        host.Gate.Open();
        await HealthHost.EventuallyAsync(() => Task.FromResult(host.Gate.Handled == 6), "all six handled");
        HealthReportEntry drained = await host.CheckAsync("backlog");
        Assert.Equal(HealthStatus.Healthy, drained.Status);
        Assert.Equal(0L, drained.Data[endpoint]);
    }

    [Fact]
    public async Task An_endpoint_threshold_replaces_the_default_for_that_endpoint_only()
    {
        string? endpoint = null;
        await using HealthHost host = await HealthHost.StartAsync(NoRetries, h => h.Backlog.DegradedAbove = 100);
        endpoint = host.Probe.Endpoints.Single(e => e.EndsWith("Work", StringComparison.Ordinal));
        await using HealthHost strict = await HealthHost.StartAsync(
            NoRetries,
            h =>
            {
                h.Backlog.DegradedAbove = 100;
                h.Endpoints[endpoint] = new HealthThreshold { UnhealthyAbove = 0 };
            });

        await strict.Bus.SendAsync(new Work(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        await strict.Bus.SendAsync(new Work(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        await host.Bus.SendAsync(new Work(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        await host.Bus.SendAsync(new Work(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);

        await HealthHost.EventuallyAsync(async () => (await strict.CheckAsync("backlog")).Status == HealthStatus.Unhealthy, "the strict endpoint unhealthy");
        Assert.Contains("(unhealthy above 0)", (await strict.CheckAsync("backlog")).Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("backlog")).Status);
    }

    [Fact]
    public async Task Dead_letters_above_the_thresholds_are_degraded_then_unhealthy()
    {
        await using HealthHost host = await HealthHost.StartAsync(NoRetries, h => h.DeadLetters.UnhealthyAbove = 1);

        await host.Bus.SendAsync(new Doomed(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        await HealthHost.EventuallyAsync(async () => await host.Probe.CountDeadLettersAsync() == 1, "one dead letter");
        HealthReportEntry degraded = await host.CheckAsync("dead-letters");
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal("1 dead letter (degraded above 0, unhealthy above 1): list them with IDeadLetters (or the contracts tool), replay or purge them.", degraded.Description);

        await host.Bus.SendAsync(new Doomed(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        await HealthHost.EventuallyAsync(async () => await host.Probe.CountDeadLettersAsync() == 2, "two dead letters");
        HealthReportEntry unhealthy = await host.CheckAsync("dead-letters");
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Equal(2L, unhealthy.Data["deadLetters"]);

        await host.Services.GetRequiredService<IDeadLetters>().PurgeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("dead-letters")).Status);
    }

    [Fact]
    public async Task Names_tags_timeout_and_the_checks_chosen_are_the_options_and_a_missing_bus_is_named()
    {
        await using HealthHost host = await HealthHost.StartAsync(
            NoRetries,
            h =>
            {
                h.Name = "orders-bus";
                h.Tags.Add("ready");
                h.Timeout = TimeSpan.FromSeconds(2);
                h.CheckBacklog = false;
                h.CheckDeadLetters = false;
            });

        HealthCheckServiceOptions options = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value;
        Assert.Equal(["orders-bus-store", "orders-bus-transport"], options.Registrations.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(options.Registrations, r => Assert.Equal(["contracts", "ready"], r.Tags.Order(StringComparer.Ordinal)));
        Assert.All(options.Registrations, r => Assert.Equal(TimeSpan.FromSeconds(2), r.Timeout));
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("store", prefix: "orders-bus")).Status);

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHealthChecks().AddContracts();
        await using ServiceProvider withoutBus = services.BuildServiceProvider();
        HealthReport report = await withoutBus.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["contracts-transport"].Status);
        Assert.Contains("call services.AddContracts(...)", report.Entries["contracts-transport"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Thresholds_judge_counts_above_them()
    {
        var threshold = new HealthThreshold { DegradedAbove = 10, UnhealthyAbove = 20 };

        Assert.Equal(HealthStatus.Healthy, threshold.Judge(10));
        Assert.Equal(HealthStatus.Degraded, threshold.Judge(11));
        Assert.Equal(HealthStatus.Degraded, threshold.Judge(20));
        Assert.Equal(HealthStatus.Unhealthy, threshold.Judge(21));
        Assert.Equal(HealthStatus.Healthy, new HealthThreshold().Judge(long.MaxValue));
        Assert.Equal("no threshold", new HealthThreshold().ToString());
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddHealthChecks().AddContracts(h => h.Timeout = TimeSpan.Zero));
    }
}
