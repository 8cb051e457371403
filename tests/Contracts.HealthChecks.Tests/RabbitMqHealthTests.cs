using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Contracts.HealthChecks.Tests;

/// <summary>
/// The transport, backlog and dead-letter checks on the real broker (127.0.0.1:5672, as the transport's own tests use),
/// on an exchange of their own; an unreachable broker is a wrong port. The queues a test fills are purged first.
/// </summary>
public sealed class RabbitMqHealthTests
{
    private const string Uri = "amqp://guest:guest@127.0.0.1:5672/";
    private const string Exchange = "contracts-health-tests";

    private static Action<ContractsOptions> Rabbit(string uri, bool consumeWork) => o => o.UseRabbitMq(uri, t =>
    {
        t.Exchange = Exchange;
        t.Defaults.Retry.ImmediateRetries = 0;
        t.Defaults.Retry.DelayedRetries = 0;
        t.Endpoint<Work>(e => e.Consume = consumeWork);
    });

    [Fact]
    public async Task A_connected_transport_is_healthy_and_names_the_broker()
    {
        await using HealthHost host = await HealthHost.StartAsync(Rabbit(Uri, consumeWork: true));

        HealthReportEntry transport = await host.CheckAsync("transport");

        Assert.Equal(HealthStatus.Healthy, transport.Status);
        Assert.Equal($"The bus runs; its transport is connected to RabbitMQ at 127.0.0.1:5672 (exchange '{Exchange}').", transport.Description);
    }

    [Fact]
    public async Task An_unreachable_broker_fails_the_start_and_the_transport_check_says_where()
    {
        await using HealthHost host = HealthHost.Build(Rabbit("amqp://guest:guest@127.0.0.1:1/", consumeWork: true));

        await host.TryStartAsync();

        Assert.NotNull(host.StartFailure);
        HealthReportEntry transport = await host.CheckAsync("transport");
        Assert.Equal(HealthStatus.Unhealthy, transport.Status);
        Assert.StartsWith("The bus did not start: RabbitMQ at 127.0.0.1:1 is not reachable", transport.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_backlog_is_the_brokers_count_of_the_endpoints_queue()
    {
        await using HealthHost host = await HealthHost.StartAsync(Rabbit(Uri, consumeWork: false), h => h.Backlog.DegradedAbove = 2);
        string endpoint = host.Probe.Endpoints.Single(e => e.EndsWith("Work", StringComparison.Ordinal));
        await PurgeAsync(endpoint);
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("backlog")).Status);

        for (int i = 0; i < 3; i++)
        {
            await host.Bus.SendAsync(new Work(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        }

        await HealthHost.EventuallyAsync(async () => (await host.CheckAsync("backlog")).Status == HealthStatus.Degraded, "three messages on the broker: degraded");
        HealthReportEntry backlog = await host.CheckAsync("backlog");
        Assert.Equal(3L, backlog.Data[endpoint]);
        Assert.StartsWith($"'{endpoint}' has 3 waiting (degraded above 2)", backlog.Description, StringComparison.Ordinal);
        await PurgeAsync(endpoint);
    }

    [Fact]
    public async Task Dead_letters_are_the_brokers_count_of_the_error_queues()
    {
        await using HealthHost host = await HealthHost.StartAsync(Rabbit(Uri, consumeWork: true), h => h.DeadLetters.UnhealthyAbove = 1);
        await host.Services.GetRequiredService<IDeadLetters>().PurgeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("dead-letters")).Status);

        for (int i = 0; i < 2; i++)
        {
            await host.Bus.SendAsync(new Doomed(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        }

        await HealthHost.EventuallyAsync(async () => (await host.CheckAsync("dead-letters")).Status == HealthStatus.Unhealthy, "two dead letters on the broker: unhealthy");
        Assert.Equal(2L, (await host.CheckAsync("dead-letters")).Data["deadLetters"]);
        Assert.Equal(2, (await host.Services.GetRequiredService<IDeadLetters>().ListAsync(cancellationToken: TestContext.Current.CancellationToken)).Count);
        await host.Services.GetRequiredService<IDeadLetters>().PurgeAsync(cancellationToken: TestContext.Current.CancellationToken);
    }

    private static async Task PurgeAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = new System.Uri(Uri) };
        await using IConnection connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        await using IChannel channel = await connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken);
        await channel.QueuePurgeAsync(queue, TestContext.Current.CancellationToken);
    }
}
