using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Contracts.Transport.Redis.Tests;

/// <summary>
/// A consumer process is killed (SIGKILL) with work in hand: the entries it read stay pending under its name, and
/// another consumer takes them over with XAUTOCLAIM once they are idle for the claim idle time; every message is done.
/// </summary>
public sealed class TakeOverTests
{
    private const string Endpoint = "RedisTests.Work";

    [Fact]
    public async Task The_pending_work_of_a_killed_consumer_is_taken_over_by_another_process()
    {
        const int total = 60;
        await RedisServer.ResetAsync(Endpoint);
        Worker worker = await Worker.StartAsync("work"); // claim idle time 2 s, MaxConcurrency 4, reads 64 ahead
        var probe = new Probe();
        IHost host = await RedisHost.StartAsync(probe, t => t.Endpoint<Work>(e => e.Consume = false));
        try
        {
            for (int i = 0; i < total; i++)
            {
                await host.Bus().SendAsync(new Work(i, HoldMs: 100), cancellationToken: TestContext.Current.CancellationToken);
            }

            await Probe.WaitForAsync(() => Done(worker).Count >= 8, TimeSpan.FromSeconds(30), () => $"{Done(worker).Count} done by the worker");
            await worker.KillAsync();
            HashSet<int> doneThere = Done(worker);
            Assert.True(doneThere.Count < total, "The worker finished everything before it was killed: nothing to take over.");

            await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
            StreamPendingInfo left = await connection.GetDatabase().StreamPendingAsync(RedisServer.Stream(Endpoint), Endpoint);
            Assert.True(left.PendingMessageCount > 0, "The killed worker left nothing pending.");
            Assert.Single(left.Consumers);
        }
        finally
        {
            await host.StopQuietlyAsync();
            await worker.DisposeAsync();
        }

        IHost taker = await RedisHost.StartAsync(probe, t =>
        {
            t.ClaimIdleTime = TimeSpan.FromSeconds(2);
            t.Endpoint<Work>(e =>
            {
                e.Consume = true;
                e.MaxConcurrency = 8;
            });
        });
        try
        {
            HashSet<int> doneThere = Done(worker);
            await Probe.WaitForAsync(() => Missing(doneThere, probe, total).Count == 0, TimeSpan.FromSeconds(60),
                () => $"not done by anyone: {string.Join(", ", Missing(doneThere, probe, total))}\n{string.Join("\n", probe.Logs)}");
            Assert.True(probe.LogsContaining("Took over") > 0, string.Join("\n", probe.Logs));

            await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
            StreamPendingInfo pending = await RedisServer.WaitForAsync(
                () => connection.GetDatabase().StreamPendingAsync(RedisServer.Stream(Endpoint), Endpoint), p => p.PendingMessageCount == 0,
                TimeSpan.FromSeconds(10), "nothing pending in the group");
            Assert.Equal(0, pending.PendingMessageCount);
        }
        finally
        {
            await taker.StopQuietlyAsync();
        }
    }

    private static HashSet<int> Done(Worker worker)
    {
        var done = new HashSet<int>();
        foreach (string line in worker.Lines)
        {
            if (line.StartsWith("done ", StringComparison.Ordinal))
            {
                done.Add(int.Parse(line.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return done;
    }

    private static List<int> Missing(HashSet<int> doneThere, Probe probe, int total)
    {
        var missing = new List<int>();
        for (int i = 0; i < total; i++)
        {
            if (!doneThere.Contains(i) && !probe.Hits.ContainsKey($"work:{i}"))
            {
                missing.Add(i);
            }
        }

        return missing;
    }
}
