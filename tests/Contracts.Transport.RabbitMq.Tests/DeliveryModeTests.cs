using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>Delivery modes on the broker: at most once, at least once, and the transactional outbox of an effectively-once handler.</summary>
public sealed class DeliveryModeTests
{
    [Theory]
    [InlineData(DeliveryMode.AtLeastOnce, true)]
    [InlineData(DeliveryMode.AtMostOnce, false)]
    public async Task A_delivery_cut_short_by_shutdown_comes_back_only_at_least_once(DeliveryMode mode, bool deliveredAgain)
    {
        await Broker.ResetAsync("RmqTests.Hold");
        var first = new Probe();
        IHost host = await RabbitHost.StartAsync(first, t => t.Endpoint<Hold>(e =>
        {
            e.Consume = true;
            e.Delivery = mode;
        }), o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        await host.Bus().SendAsync(new Hold(1), cancellationToken: TestContext.Current.CancellationToken);
        await Probe.WaitForAsync(() => first.Hits.ContainsKey("hold:1"), TimeSpan.FromSeconds(10), () => "the handler started");
        await host.StopQuietlyAsync(); // the handler never finishes: cancelled after the shutdown timeout

        var second = new Probe();
        second.Gate.TrySetResult();
        IHost next = await RabbitHost.StartAsync(second, t => t.Endpoint<Hold>(e =>
        {
            e.Consume = true;
            e.Delivery = mode;
        }));
        try
        {
            if (deliveredAgain)
            {
                await Probe.WaitForAsync(() => second.Hits.ContainsKey("hold:1"), TimeSpan.FromSeconds(10), () => "the redelivery");
            }
            else
            {
                await Task.Delay(1000, TestContext.Current.CancellationToken);
                Assert.Empty(second.Hits);
                Assert.Equal(0u, await Broker.ReadyCountAsync("RmqTests.Hold"));
            }
        }
        finally
        {
            await next.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task What_a_failed_attempt_sent_inside_its_transaction_is_never_published()
    {
        await Broker.ResetAsync("RmqTests.Chain", "RmqTests.Later");
        string database = Path.Combine(Path.GetTempPath(), $"contracts-rmq-{Guid.NewGuid():N}.db");
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(
            probe,
            t =>
            {
                t.Endpoint<Chain>(e =>
                {
                    e.Consume = true;
                    e.Delivery = DeliveryMode.EffectivelyOnce;
                    e.Retry.ImmediateRetries = 1;
                });
                t.Endpoint<Later>(e => e.Consume = true);
            },
            o => o.UseSqlite($"Data Source={database}"));
        try
        {
            await host.Bus().SendAsync(new Chain(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.CountOf("later:") == 1, TimeSpan.FromSeconds(15), () => "the committed attempt's send");
            await Task.Delay(500, TestContext.Current.CancellationToken); // the rolled-back send would have arrived by now

            Guid rolledBack = Guid.Parse(probe.Hits.Keys.Single(k => k.StartsWith("chain-sent:1:", StringComparison.Ordinal))["chain-sent:1:".Length..]);
            Guid committed = Guid.Parse(probe.Hits.Keys.Single(k => k.StartsWith("chain-sent:2:", StringComparison.Ordinal))["chain-sent:2:".Length..]);
            Assert.True(probe.Hits.ContainsKey($"later:{committed}"));
            Assert.False(probe.Hits.ContainsKey($"later:{rolledBack}"));
            Assert.Equal(1, probe.CountOf("later:"));
        }
        finally
        {
            await host.StopQuietlyAsync();
            foreach (string file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(database) + "*"))
            {
                File.Delete(file);
            }
        }
    }
}
