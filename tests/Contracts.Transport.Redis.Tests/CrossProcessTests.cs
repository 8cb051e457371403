using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.Redis.Tests;

/// <summary>Send, publish and query between this process and a service process, through the real server.</summary>
public sealed class CrossProcessTests
{
    private static readonly string[] s_subscriptions =
    [
        "RedisTests.Reserved",
        $"RedisTests.Reserved/{typeof(AuditReserved).FullName}",
        $"RedisTests.Reserved/{typeof(NotifyReserved).FullName}",
    ];

    [Fact]
    public async Task A_command_sent_here_is_handled_there_and_its_event_reaches_every_subscriber_here()
    {
        await RedisServer.ResetAsync([.. Worker.ServiceEndpoints, .. s_subscriptions]);
        var probe = new Probe();
        IHost host = await RedisHost.StartAsync(probe, t => t.Endpoint<Reserved>(e => e.Consume = true));
        await using Worker service = await Worker.StartAsync("service");
        try
        {
            var ids = new Guid[50];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = Guid.NewGuid();
                await host.Bus().SendAsync(new Reserve(ids[i], "sku-" + i, i + 1), cancellationToken: TestContext.Current.CancellationToken);
            }

            await Probe.WaitForAsync(() => probe.Hits.Count == 2 * ids.Length, TimeSpan.FromSeconds(30), () => $"{probe.Hits.Count} of {2 * ids.Length} deliveries");
            foreach (Guid id in ids)
            {
                // Handled by the service process (its pid is in the event), delivered once to each subscription here.
                Assert.Equal(1, probe.Hits[$"audit:{id}:{service.Id}"]);
                Assert.Equal(1, probe.Hits[$"notify:{id}:{service.Id}"]);
            }
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_query_is_answered_by_the_other_process_with_a_typed_result_or_its_failure()
    {
        await RedisServer.ResetAsync(Worker.ServiceEndpoints);
        IHost host = await RedisHost.StartAsync(new Probe(), _ => { });
        await using Worker service = await Worker.StartAsync("service");
        try
        {
            StockView view = await host.Bus().QueryAsync(new GetStock("abcd"), cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal("abcd", view.Sku);
            Assert.Equal(40, view.Available);
            Assert.Equal(service.Id, view.ServedBy);
            Assert.NotEqual(Environment.ProcessId, view.ServedBy);
            Assert.Equal(["north", "south"], view.Warehouses);

            int? none = await host.Bus().QueryAsync(new FailingQuery("none"), cancellationToken: TestContext.Current.CancellationToken);
            Assert.Null(none);

            QueryFailedException failed = await Assert.ThrowsAsync<QueryFailedException>(
                async () => await host.Bus().QueryAsync(new FailingQuery("out of stock"), cancellationToken: TestContext.Current.CancellationToken));
            Assert.Equal(typeof(InvalidOperationException).FullName, failed.ErrorType);
            Assert.Equal("out of stock", failed.ErrorMessage);
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }
}
