using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Contracts.Transport.Redis.Tests;

/// <summary>
/// The server restarts (scripts/redis.sh restart: SIGTERM, then the same data) while thousands of messages are in
/// flight. With <c>appendonly yes</c> and <c>appendfsync always</c> every write Redis acknowledged is on disk: the
/// streams, the groups and their pending entries come back. Sends that failed with the connection are retried (maybe
/// twice), acknowledgements lost with it leave entries pending until they are taken over: nothing is lost, and the
/// inbox drops the repeats.
/// </summary>
public sealed class RestartTests
{
    private const string Endpoint = "RedisTests.Count";

    [Fact]
    public async Task Ten_thousand_messages_survive_a_server_restart_mid_stream_and_the_inbox_drops_the_repeats()
    {
        const int total = 10_000;
        await RedisServer.ResetAsync(Endpoint);
        var probe = new Probe();
        IHost host = await RedisHost.StartAsync(probe, t =>
        {
            t.ClaimIdleTime = TimeSpan.FromSeconds(2); // acknowledgements lost in the restart are taken over soon
            t.Endpoint<Count>(e =>
            {
                e.Consume = true;
                e.MaxConcurrency = 4;
                e.Delivery = DeliveryMode.EffectivelyOnce; // at least once from Redis; the inbox drops what comes again
            });
        });
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
                    while ((number = Interlocked.Increment(ref next)) < total)
                    {
                        await bus.SendAsync(new Count(number));
                    }
                }));
            }

            // Restart once a fair part is through: sends, reads and acknowledgements are all in flight.
            await Probe.WaitForAsync(() => probe.Hits.Count >= total / 5, TimeSpan.FromSeconds(60), () => $"{probe.Hits.Count} handled before the restart");
            int handledAtRestart = probe.Hits.Count;
            await RedisServer.RestartAsync();
            Assert.True(handledAtRestart < total / 2, $"The restart came too late to test anything: {handledAtRestart} handled already.");

            await Task.WhenAll(producers).WaitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.Count == total, TimeSpan.FromSeconds(120), () => $"{probe.Hits.Count} of {total} handled");

            // Let what was taken over after lost acknowledgements arrive: each must be dropped, not handled again.
            await Task.Delay(3000, TestContext.Current.CancellationToken);
            var twice = new List<string>();
            foreach ((string key, int count) in probe.Hits)
            {
                if (count != 1)
                {
                    twice.Add($"{key} x{count}");
                }
            }

            Assert.Empty(twice);
            Assert.Equal(total, probe.Hits.Count);

            // The restart was felt: the connection was lost and restored.
            Assert.True(probe.LogsContaining("Redis connection lost") > 0, string.Join("\n", probe.Logs));
            await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
            StreamPendingInfo pending = await RedisServer.WaitForAsync(
                () => connection.GetDatabase().StreamPendingAsync(RedisServer.Stream(Endpoint), Endpoint), p => p.PendingMessageCount == 0,
                TimeSpan.FromSeconds(30), "nothing pending in the group");
            Assert.Equal(0, pending.PendingMessageCount);
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }
}
