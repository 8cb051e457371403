using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.Nats.Tests;

/// <summary>A consumer process is SIGKILLed with work in hand: another process takes its pending messages over after AckWait.</summary>
public sealed class TakeOverTests
{
    [Fact]
    public async Task The_pending_work_of_a_killed_consumer_is_handled_by_another_process()
    {
        const int total = 200;
        await NatsServer.ResetAsync(NatsHost.Prefix);
        await using ServiceProcess victim = await ServiceProcess.StartAsync();
        var probe = new Probe();
        IHost sender = await NatsHost.StartAsync(probe, t => t.AckWait = ServiceProcess.AckWait);
        IHost? survivor = null;
        try
        {
            for (int i = 0; i < total; i++)
            {
                await sender.Bus().SendAsync(new Job(i, HoldMs: 50), cancellationToken: TestContext.Current.CancellationToken);
            }

            await Probe.WaitForAsync(() => victim.Done.Count >= 20, TimeSpan.FromSeconds(30), () => $"the victim finished {victim.Done.Count}: {string.Join("\n", victim.Errors)}");
            await victim.KillAsync();
            var inHand = new List<int>();
            foreach (int started in victim.Started.Keys)
            {
                if (!victim.Done.ContainsKey(started))
                {
                    inHand.Add(started);
                }
            }

            Assert.True(victim.Done.Count < total, "The victim finished everything before it was killed: nothing to take over.");
            long killed = Stopwatch.GetTimestamp();
            survivor = await NatsHost.StartAsync(probe, t =>
            {
                t.AckWait = ServiceProcess.AckWait;
                t.Endpoint<Job>(e =>
                {
                    e.Consume = true;
                    e.MaxConcurrency = 8;
                });
            });

            // Every job is done by one process or the other; those the victim had in hand (started, not done) and
            // those it had prefetched come back after AckWait, to the survivor.
            await Probe.WaitForAsync(
                () =>
                {
                    for (int i = 0; i < total; i++)
                    {
                        if (!victim.Done.ContainsKey(i) && !probe.Hits.ContainsKey($"job:{i}"))
                        {
                            return false;
                        }
                    }

                    return true;
                },
                TimeSpan.FromSeconds(60),
                () => $"victim {victim.Done.Count}, survivor {probe.CountOf("job:")} of {total}");
            TimeSpan took = Stopwatch.GetElapsedTime(killed);
            foreach (int job in inHand)
            {
                Assert.True(probe.Hits.ContainsKey($"job:{job}"), $"Job {job}, in the victim's hands when it died, was not taken over.");
            }

            Assert.True(probe.CountOf("job:") > 0, "The survivor handled nothing.");
            Assert.True(took < TimeSpan.FromSeconds(30), $"The take-over took {took}, far longer than AckWait ({ServiceProcess.AckWait}).");
        }
        finally
        {
            if (survivor is not null)
            {
                await survivor.StopQuietlyAsync();
            }

            await sender.StopQuietlyAsync();
        }
    }
}
