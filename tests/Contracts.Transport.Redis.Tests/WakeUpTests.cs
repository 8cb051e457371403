using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.Redis.Tests;

/// <summary>
/// StackExchange.Redis cannot block on XREADGROUP, so an idle consumer waits for the nudge a producer publishes after
/// each add, and reads anyway after the poll interval. With a poll interval of 30 s, only the nudge can explain a
/// message handled in milliseconds.
/// </summary>
public sealed class WakeUpTests
{
    [Fact]
    public async Task An_idle_consumer_is_woken_by_the_producers_nudge_not_by_its_poll_interval()
    {
        const string endpoint = "RedisTests.Count";
        const int rounds = 50;
        await RedisServer.ResetAsync(endpoint);
        var probe = new Probe();
        IHost host = await RedisHost.StartAsync(probe, t =>
        {
            t.PollInterval = TimeSpan.FromSeconds(30);
            t.Endpoint<Count>(e => e.Consume = true);
        });
        try
        {
            await Task.Delay(200, TestContext.Current.CancellationToken); // the reader has found the stream empty and waits
            double[] latencies = new double[rounds];
            for (int i = 0; i < rounds; i++)
            {
                long sent = Stopwatch.GetTimestamp();
                await host.Bus().SendAsync(new Count(i), cancellationToken: TestContext.Current.CancellationToken);
                await Probe.WaitForAsync(() => probe.Hits.ContainsKey($"count:{i}"), TimeSpan.FromSeconds(5), () => $"message {i} not handled: the nudge did not wake the consumer");
                latencies[i] = Stopwatch.GetElapsedTime(sent, probe.FirstHitAt[$"count:{i}"]).TotalMilliseconds;
                await Task.Delay(20, TestContext.Current.CancellationToken); // idle again before the next one
            }

            Array.Sort(latencies);
            double median = latencies[rounds / 2];
            double worst = latencies[^1];
            TestContext.Current.SendDiagnosticMessage($"send to handled, idle consumer: median {median:0.0} ms, worst {worst:0.0} ms");
            Assert.True(worst < 2000, $"The slowest wake-up took {worst:0} ms: the poll interval (30 s) cannot explain it, but a nudge should take milliseconds.");
            Assert.True(median < 50, $"The median wake-up took {median:0} ms.");
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }
}
