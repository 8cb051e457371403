using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>The broker restarts while thousands of messages are in flight: nothing is lost, no effect happens twice.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Ten_thousand_messages_survive_a_broker_restart_mid_stream_and_the_inbox_drops_the_repeats()
    {
        const int total = 10_000;
        await Broker.ResetAsync("RmqTests.Count");
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Count>(e =>
        {
            e.Consume = true;
            e.Delivery = DeliveryMode.EffectivelyOnce; // at least once from the broker; the inbox drops what it redelivers
        }));
        try
        {
            IMessageBus bus = host.Bus();
            int next = -1;
            var producers = new List<Task>();
            for (int p = 0; p < 32; p++)
            {
                producers.Add(Task.Run(async () =>
                {
                    int number;
                    while ((number = System.Threading.Interlocked.Increment(ref next)) < total)
                    {
                        await bus.SendAsync(new Count(number));
                    }
                }));
            }

            // Restart once a fair part is through: sends, deliveries and acknowledgements are all in flight.
            await Probe.WaitForAsync(() => probe.Hits.Count >= total / 5, TimeSpan.FromSeconds(60), () => $"{probe.Hits.Count} handled before the restart");
            int handledAtRestart = probe.Hits.Count;
            await Broker.RestartAsync();
            Assert.True(handledAtRestart < total / 2, $"The restart came too late to test anything: {handledAtRestart} handled already.");

            await Task.WhenAll(producers).WaitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.Count == total, TimeSpan.FromSeconds(120), () => $"{probe.Hits.Count} of {total} handled");

            // Let redeliveries of acknowledgements lost in the restart arrive: each must be dropped, not handled again.
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            var twice = new List<string>();
            foreach ((string key, int count) in probe.Hits)
            {
                if (count != 1)
                {
                    twice.Add($"{key} x{count}");
                }
            }

            Assert.Empty(twice);

            // The restart was felt: the connection was lost and recovered, and sends waiting on it were published again.
            Assert.True(probe.LogsContaining("connection lost") > 0, string.Join("\n", probe.Logs));
            Assert.True(probe.LogsContaining("retrying with the same message id") > 0, string.Join("\n", probe.Logs));
            Assert.Equal(total, probe.Hits.Count);
            Assert.Equal(0u, await Broker.ReadyCountAsync("RmqTests.Count"));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }
}
