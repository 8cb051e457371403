using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Contracts.Testing.Compliance;

// Order: what every transport keeps with one consumer and one worker (docs/ordering.md's table cites these).
public abstract partial class TransportCompliance<TFixture>
{
    /// <summary>
    /// One bus consuming an endpoint with <c>MaxConcurrency = 1</c>: commands sent one after another (each send awaited)
    /// are handled in send order, each once. Handlers that take a little time let the next ones wait in the endpoint.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task With_one_consumer_and_one_worker_commands_are_handled_in_send_order()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Work);
        await using ComplianceBus bus = await StartAsync(log, "A", t => t.Endpoint(ComplianceEndpoints.Work, e => e.MaxConcurrency = 1));

        Guid[] ids = await SendWorkAsync(bus, holdMs: 5);
        await log.WaitForAsync(h => AllHandled(h, ids), Timeout, $"all {Commands} commands");
        Assert.False(await log.TryWaitForAsync(h => Handles(h, ids) > Commands, s_grace), $"A command was handled twice.{log.Describe()}");

        var position = new Dictionary<Guid, int>(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            position[ids[i]] = i;
        }

        int expected = 0;
        foreach (Handled handled in log.Snapshot())
        {
            if (handled.What == ComplianceEndpoints.Work && position.TryGetValue(handled.Id, out int sent))
            {
                Assert.True(sent == expected, $"Command {sent + 1} of {Commands} was handled in place {expected + 1}: out of send order.{log.Describe()}");
                expected++;
            }
        }

        Assert.Equal(Commands, expected);
        Assert.Equal(1, log.MaxInFlight.GetValueOrDefault("A"));
    }
}
