using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Contracts.HealthChecks.Tests;

/// <summary>
/// The transport, backlog and dead-letter checks on a real server whose transport keeps its own dead letters and
/// counts its backlog, under a prefix of the test's own (so nothing is left to purge between tests, and the subclass
/// removes it afterwards). An unreachable server is a wrong port. One subclass per transport.
/// </summary>
public abstract class BrokerHealthTests : IAsyncLifetime
{
    /// <summary>This test's own prefix: every stream or key of the test is under it.</summary>
    protected string Prefix { get; } = $"health-{Guid.NewGuid():N}"[..15];

    /// <summary>The bus on the real server (or on <paramref name="unreachable"/> port 1), consuming the Work endpoint or not.</summary>
    protected abstract Action<ContractsOptions> Transport(bool consumeWork, bool unreachable = false);

    /// <summary>The transport check's description while connected.</summary>
    protected abstract string Connected { get; }

    /// <summary>The start of the transport check's description when the server is not reachable.</summary>
    protected abstract string Unreachable { get; }

    /// <summary>Removes what the test left under <see cref="Prefix"/>.</summary>
    protected abstract Task RemovePrefixAsync();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await RemovePrefixAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_connected_transport_is_healthy_and_names_the_server()
    {
        await using HealthHost host = await HealthHost.StartAsync(Transport(consumeWork: true));

        HealthReportEntry transport = await host.CheckAsync("transport");

        Assert.Equal(HealthStatus.Healthy, transport.Status);
        Assert.Equal($"The bus runs; its transport is {Connected}.", transport.Description);
    }

    [Fact]
    public async Task An_unreachable_server_fails_the_start_and_the_transport_check_says_where()
    {
        await using HealthHost host = HealthHost.Build(Transport(consumeWork: true, unreachable: true));

        await host.TryStartAsync();

        Assert.NotNull(host.StartFailure);
        HealthReportEntry transport = await host.CheckAsync("transport");
        Assert.Equal(HealthStatus.Unhealthy, transport.Status);
        Assert.StartsWith($"The bus did not start: {Unreachable}", transport.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_backlog_is_the_servers_count_of_the_endpoints_waiting_messages()
    {
        // A consuming process creates the endpoint once; after it stops, what is sent waits on the server.
        await (await HealthHost.StartAsync(Transport(consumeWork: true))).DisposeAsync();
        await using HealthHost host = await HealthHost.StartAsync(Transport(consumeWork: false), h => h.Backlog.DegradedAbove = 2);
        string endpoint = host.Probe.Endpoints.Single(e => e.EndsWith("Work", StringComparison.Ordinal));
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("backlog")).Status);

        for (int i = 0; i < 3; i++)
        {
            await host.Bus.SendAsync(new Work(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        }

        await HealthHost.EventuallyAsync(async () => (await host.CheckAsync("backlog")).Status == HealthStatus.Degraded, "three messages on the server: degraded");
        HealthReportEntry backlog = await host.CheckAsync("backlog");
        Assert.Equal(3L, backlog.Data[endpoint]);
        Assert.StartsWith($"'{endpoint}' has 3 waiting (degraded above 2)", backlog.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dead_letters_are_the_servers_count_of_the_transports_dead_letters()
    {
        await using HealthHost host = await HealthHost.StartAsync(Transport(consumeWork: true), h => h.DeadLetters.UnhealthyAbove = 1);
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("dead-letters")).Status);

        for (int i = 0; i < 2; i++)
        {
            await host.Bus.SendAsync(new Doomed(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        }

        await HealthHost.EventuallyAsync(async () => (await host.CheckAsync("dead-letters")).Status == HealthStatus.Unhealthy, "two dead letters on the server: unhealthy");
        Assert.Equal(2L, (await host.CheckAsync("dead-letters")).Data["deadLetters"]);
        IDeadLetters deadLetters = host.Services.GetRequiredService<IDeadLetters>();
        Assert.Equal(2, (await deadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken)).Count);
        await deadLetters.PurgeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("dead-letters")).Status);
    }
}
