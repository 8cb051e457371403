using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.Nats.Tests;

/// <summary>
/// Event subscriptions on the replayable event stream: a new one starts where its setting says (new, all, a sequence),
/// and an existing one keeps its position on the server across restarts, whatever the setting says then.
/// </summary>
public sealed class ReplayTests
{
    private const string History = "NatsTests.PriceChanged/Contracts.Transport.Nats.Tests.PriceHistory";
    private const string Audit = "NatsTests.PriceChanged/Contracts.Transport.Nats.Tests.PriceAudit";

    [Fact]
    public async Task A_subscription_starts_new_all_or_at_a_sequence_and_keeps_its_position_across_restarts()
    {
        await NatsServer.ResetAsync(NatsHost.Prefix);
        var audit = new Probe();
        IHost auditor = await NatsHost.StartAsync(audit, t => t.Endpoint(Audit, e => e.Consume = true));
        try
        {
            await PublishAsync(auditor, 1, 10);
            await Probe.WaitForAsync(() => audit.CountOf("audit:") == 10, TimeSpan.FromSeconds(20), () => $"audit saw {audit.CountOf("audit:")}");

            // A new subscription from the start replays the history, then follows.
            var history = new Probe();
            IHost historian = await StartHistoryAsync(history, NatsStreamStart.All);
            await PublishAsync(auditor, 11, 15);
            await Probe.WaitForAsync(() => history.CountOf("history:") == 15, TimeSpan.FromSeconds(20), () => $"history saw {history.CountOf("history:")}");
            await historian.StopQuietlyAsync();

            // Down while 16-20 are published; back with another start setting, which an existing consumer ignores: it
            // goes on from its position, so it gets 16-20 and nothing twice.
            await PublishAsync(auditor, 16, 20);
            historian = await StartHistoryAsync(history, NatsStreamStart.New);
            await Probe.WaitForAsync(() => history.CountOf("history:") == 20, TimeSpan.FromSeconds(20), () => $"history saw {history.CountOf("history:")}");
            await Task.Delay(500, TestContext.Current.CancellationToken);
            for (int i = 1; i <= 20; i++)
            {
                Assert.Equal(1, history.Hits[$"history:{i}"]);
                Assert.Equal(1, audit.Hits[$"audit:{i}"]);
            }

            await historian.StopQuietlyAsync();

            // Started over (its consumer deleted) at stream sequence 16: 16-20 again, nothing before.
            string events = await NatsServer.FindStreamAsync($"{NatsHost.Prefix}_events");
            Assert.Equal(1, await NatsServer.DeleteConsumersAsync(events, "NatsTests_PriceChanged_Contracts_Transport_Nats_Tests_PriceHist"));
            historian = await StartHistoryAsync(history, NatsStreamStart.AtSequence(16));
            await Probe.WaitForAsync(() => history.Hits.TryGetValue("history:20", out int seen) && seen == 2, TimeSpan.FromSeconds(20), () => "history to see 20 again");
            await Task.Delay(500, TestContext.Current.CancellationToken);
            for (int i = 1; i <= 20; i++)
            {
                Assert.Equal(i >= 16 ? 2 : 1, history.Hits[$"history:{i}"]);
            }

            await historian.StopQuietlyAsync();
        }
        finally
        {
            await auditor.StopQuietlyAsync();
        }
    }

    private static Task<IHost> StartHistoryAsync(Probe probe, NatsStreamStart start) =>
        NatsHost.StartAsync(probe, t =>
        {
            t.Endpoint(History, e => e.Consume = true);
            t.StartAt(History, start);
        });

    private static async Task PublishAsync(IHost host, int from, int to)
    {
        for (int i = from; i <= to; i++)
        {
            await host.Bus().PublishAsync(new PriceChanged(i), cancellationToken: TestContext.Current.CancellationToken);
        }
    }
}
