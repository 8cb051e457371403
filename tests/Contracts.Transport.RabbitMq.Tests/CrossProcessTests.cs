using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>Send, publish and query between this process and a service process, through the real broker.</summary>
public sealed class CrossProcessTests
{
    private static readonly string[] s_subscriptions =
    [
        $"RmqTests.Reserved/{typeof(AuditReserved).FullName}",
        $"RmqTests.Reserved/{typeof(NotifyReserved).FullName}",
    ];

    [Fact]
    public async Task A_command_sent_here_is_handled_there_and_its_event_reaches_every_subscriber_here()
    {
        await Broker.ResetAsync([.. ServiceProcess.Queues, .. s_subscriptions]);
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Reserved>(e => e.Consume = true));
        await using ServiceProcess service = await ServiceProcess.StartAsync();
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
    public async Task A_query_is_answered_by_the_other_process_with_a_typed_result()
    {
        await Broker.ResetAsync(ServiceProcess.Queues);
        IHost host = await RabbitHost.StartAsync(new Probe(), _ => { });
        await using ServiceProcess service = await ServiceProcess.StartAsync();
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

    [Fact]
    public async Task A_command_no_process_consumes_is_an_error_not_a_silent_loss()
    {
        await Broker.ResetAsync("RmqTests.Nobody");
        IHost host = await RabbitHost.StartAsync(new Probe(), _ => { });
        try
        {
            NoHandlerException error = await Assert.ThrowsAsync<NoHandlerException>(
                async () => await host.Bus().SendAsync(new Nobody(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken));
            Assert.Contains("RmqTests.Nobody", error.Message, StringComparison.Ordinal);
            Assert.Equal("RmqTests.Nobody", error.Contract.Name);

            // An event without subscribers is not an error.
            await host.Bus().PublishAsync(new Reserved(Guid.NewGuid(), "sku", 1, 0), cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_query_without_a_consumer_times_out_with_a_clear_message()
    {
        await Broker.ResetAsync("RmqTests.GetStock");
        IHost host = await RabbitHost.StartAsync(new Probe(), _ => { });
        IHost silent = await RabbitHost.StartAsync(new Probe(), t => t.Endpoint<GetStock>(e => e.Consume = true));
        await silent.StopQuietlyAsync(); // the queue exists now, but nobody consumes it
        try
        {
            TimeoutException error = await Assert.ThrowsAsync<TimeoutException>(
                async () => await host.Bus().QueryAsync(new GetStock("x"), new QueryOptions { Timeout = TimeSpan.FromMilliseconds(500) }, TestContext.Current.CancellationToken));
            Assert.Contains("RmqTests.GetStock", error.Message, StringComparison.Ordinal);

            // The query expires on the broker with its caller's patience instead of waiting for a consumer forever.
            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.Equal(0u, await Broker.ReadyCountAsync("RmqTests.GetStock"));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }
}
