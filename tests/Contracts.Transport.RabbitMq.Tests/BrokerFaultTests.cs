using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>A frozen broker, and a broker restarted under a producer that is frozen across it: every send returns or throws in time.</summary>
public sealed class BrokerFaultTests
{
    [Fact]
    public async Task The_confirm_window_bounds_publishes_waiting_for_their_confirm_not_only_those_being_written()
    {
        await Broker.ResetAsync("RmqTests.Hostile");
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t =>
        {
            t.Endpoint<Hostile>(e => e.Consume = true);
            t.ConfirmWindow = 1;
            t.PublishTimeout = TimeSpan.FromSeconds(3);
            t.ConfirmTimeout = TimeSpan.FromMinutes(1); // no replacement of the connection in this test
        });
        try
        {
            var sends = new List<Task>();
            var stopwatch = Stopwatch.StartNew();
            await Broker.PauseAsync();
            try
            {
                // With the broker frozen no confirm comes: a window of one lets one publish onto the wire, and the
                // other 63 wait for its slot until their deadline. (A window freed when the message is written
                // would let all 64 through, to be delivered once the broker runs again.)
                for (int i = 0; i < 64; i++)
                {
                    sends.Add(host.Bus().SendAsync(new Hostile(Guid.NewGuid())).AsTask());
                }

                foreach (Task send in sends)
                {
                    await Assert.ThrowsAsync<TimeoutException>(() => send);
                }

                Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(8), $"The sends took {stopwatch.Elapsed} to time out, with a PublishTimeout of 3 s.");
            }
            finally
            {
                await Broker.ResumeAsync();
            }

            // Once the broker runs again, what reached it is delivered: the publish on the wire, and the few that took
            // the slot one after another as each timed out at the shared deadline. Not 64.
            await Task.Delay(3000, TestContext.Current.CancellationToken);
            int delivered = probe.CountOf("hostile:");
            Assert.True(delivered <= 8, $"{delivered} of 64 publishes reached the broker with a confirm window of 1.");

            // And the transport works on, on the same connection.
            var after = Guid.NewGuid();
            await host.Bus().SendAsync(new Hostile(after), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.ContainsKey($"hostile:{after}"), TimeSpan.FromSeconds(15), () => "a send after the broker resumed");
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_producer_under_load_across_a_broker_restart_finishes_every_send_in_time_and_nothing_is_handled_twice(bool frozenAcrossIt)
    {
        const int total = 6_000;
        await Broker.ResetAsync("RmqTests.Count");
        var probe = new Probe();
        IHost consumer = await RabbitHost.StartAsync(probe, t => t.Endpoint<Count>(e =>
        {
            e.Consume = true;
            e.Delivery = DeliveryMode.EffectivelyOnce;
        }));
        string results = Path.Combine(Path.GetTempPath(), $"contracts-producer-{Guid.NewGuid():N}.txt");
        try
        {
            await using (ProducerProcess producer = ProducerProcess.Start(total, results))
            {
                await Probe.WaitForAsync(() => producer.Sent >= total / 6, TimeSpan.FromSeconds(60), () => $"{producer.Sent} sent before the restart; producer log:\n{producer.Errors}");
                if (frozenAcrossIt)
                {
                    await producer.SignalAsync("STOP");
                }

                int sentAtRestart = producer.Sent;

                try
                {
                    await Broker.RestartAsync();
                }
                finally
                {
                    if (frozenAcrossIt)
                    {
                        await producer.SignalAsync("CONT");
                    }
                }

                Assert.Equal(0, await producer.WaitAsync(TimeSpan.FromSeconds(150)));
                Assert.True(sentAtRestart < total * 3 / 4, $"The restart came too late: {sentAtRestart} of {total} were sent before it.");
            }

            var confirmed = new List<int>();
            var failed = new Dictionary<string, int>(StringComparer.Ordinal);
            long slowest = 0;
            foreach (string line in await File.ReadAllLinesAsync(results, TestContext.Current.CancellationToken))
            {
                string[] parts = line.Split(' ');
                if (parts[0] == "slowest")
                {
                    slowest = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (parts[1] == "ok")
                {
                    confirmed.Add(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    failed[parts[1]] = failed.GetValueOrDefault(parts[1]) + 1;
                }
            }

            // Every send returned or threw within its PublishTimeout (20 s), with a margin for the frozen time's timers.
            Assert.True(slowest < 30_000, $"The slowest send took {slowest} ms.");
            Assert.Equal(total, confirmed.Count + Sum(failed));
            foreach (string outcome in failed.Keys)
            {
                Assert.Equal(nameof(TimeoutException), outcome);
            }

            // Every confirmed send is handled, and none twice; a send that timed out may or may not have got through.
            await Probe.WaitForAsync(() => AllHandled(probe, confirmed), TimeSpan.FromSeconds(120), () => $"{probe.Hits.Count} handled, {confirmed.Count} confirmed");
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            foreach ((string key, int count) in probe.Hits)
            {
                Assert.True(count == 1, $"{key} was handled {count} times");
            }
        }
        finally
        {
            await consumer.StopQuietlyAsync();
            File.Delete(results);
        }
    }

    private static bool AllHandled(Probe probe, List<int> numbers)
    {
        foreach (int number in numbers)
        {
            if (!probe.Hits.ContainsKey($"count:{number}"))
            {
                return false;
            }
        }

        return true;
    }

    private static int Sum(Dictionary<string, int> counts)
    {
        int sum = 0;
        foreach (int count in counts.Values)
        {
            sum += count;
        }

        return sum;
    }
}
