using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Contracts.Testing.Compliance;

// Concurrency, competing consumers, stopping and restarting.
public abstract partial class TransportCompliance<TFixture>
{
    private const int Commands = 40;

    /// <summary>With <see cref="EndpointOptions.MaxConcurrency"/> 4, 40 commands are each handled once, more than one at a time.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Concurrent_consumers_handle_every_command_once_and_overlap()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Work);
        await using ComplianceBus bus = await StartAsync(log, "A", t => t.Endpoint(ComplianceEndpoints.Work, e => e.MaxConcurrency = 4));

        Guid[] ids = await SendWorkAsync(bus, holdMs: 50);
        await log.WaitForAsync(h => AllHandled(h, ids), Timeout, $"all {Commands} commands");

        AssertEachOnce(log, ids);
        int overlap = log.MaxInFlight.GetValueOrDefault("A");
        Assert.True(overlap > 1, $"With MaxConcurrency 4, at most {overlap} handler ran at a time.");
        Assert.True(overlap <= 4, $"With MaxConcurrency 4, {overlap} handlers ran at a time.");
    }

    /// <summary>
    /// Two buses consuming one endpoint: with <see cref="TransportFixture.CompetingProcesses"/> they share 40 commands,
    /// each handled once overall; without it, each bus handles what it sent itself, and the other bus none of it.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Two_buses_on_one_endpoint_handle_each_command_once()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Work);
        await using ComplianceBus a = await StartAsync(log, "A");
        await using ComplianceBus b = await StartAsync(log, "B");

        Guid[] ids = await SendWorkAsync(a, holdMs: 20);
        await log.WaitForAsync(h => AllHandled(h, ids), Timeout, $"all {Commands} commands");
        Assert.False(await log.TryWaitForAsync(h => Handles(h, ids) > Commands, s_grace), $"A command was handled twice.{log.Describe()}");

        AssertEachOnce(log, ids);
        int byA = 0, byB = 0;
        foreach (Handled h in log.Snapshot())
        {
            if (h.What == ComplianceEndpoints.Work)
            {
                _ = h.Bus == "A" ? byA++ : byB++;
            }
        }

        if (Fixture.CompetingProcesses)
        {
            Assert.True(byA > 0 && byB > 0, $"Competing consumers did not share the endpoint: bus A handled {byA}, bus B {byB}.");
        }
        else
        {
            Assert.True(byB == 0, $"Without competing processes the sender handles its own commands, but bus B handled {byB}.");
        }
    }

    /// <summary>A handler in progress when the bus stops completes, the stop waits for it, and the next bus does not handle it again.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Stopping_waits_for_a_handler_in_progress_which_is_not_handled_again()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Busy);
        var id = Guid.NewGuid();
        const int HoldMs = 1000;
        long stopping;
        long stopped;
        await using (ComplianceBus a = await StartAsync(log, "A", options: o => o.ShutdownTimeout = TimeSpan.FromSeconds(5)))
        {
            await Bounded(a.Bus.SendAsync(new Busy(id, HoldMs), cancellationToken: Cancel), "the send");
            await log.WaitForAsync(h => Count(h, BusyHandler.Started, id) > 0, Timeout, "the handler to start");
            stopping = Stopwatch.GetTimestamp();
            stopped = await Bounded(a.StopAsync(), "the stop");
        }

        Assert.Empty(log.Of(BusyHandler.Cancelled, id));
        Handled done = Assert.Single(log.Of(BusyHandler.Done, id));
        Assert.True(done.Timestamp > stopping, "The handler had finished before the stop began: the test did not stop a busy bus.");
        Assert.True(stopped >= done.Timestamp, $"The stop returned {Between(stopped, done.Timestamp).TotalMilliseconds:0} ms before the handler finished.");

        await using ComplianceBus b = await StartAsync(log, "B");
        var marker = Guid.NewGuid();
        await Bounded(b.Bus.SendAsync(new Busy(marker, 0), cancellationToken: Cancel), "the send to the next bus");
        await log.WaitForAsync(h => Count(h, BusyHandler.Done, marker) > 0, Timeout, "the next bus to handle a new message");
        Assert.False(await log.TryWaitForAsync(h => Count(h, BusyHandler.Started, id) > 1, s_grace), $"The next bus handled the finished message again.{log.Describe()}");
    }

    /// <summary>
    /// A bus stops with messages it has not handled (one holding the endpoint's only worker until the stop gives up on
    /// it, one queued behind it). With <see cref="TransportFixture.SurvivesRestart"/> the next bus handles both; in any
    /// case it handles new messages.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_restarted_bus_handles_new_messages_and_with_a_durable_transport_what_was_left()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Parked);
        var blocker = Guid.NewGuid();
        var parked = Guid.NewGuid();
        await using (ComplianceBus a = await StartAsync(log, "A", options: o => o.ShutdownTimeout = TimeSpan.FromSeconds(1)))
        {
            await Bounded(a.Bus.SendAsync(new Parked(blocker, Block: true), cancellationToken: Cancel), "the blocking send");
            await log.WaitForAsync(h => Count(h, ParkedHandler.Started, blocker) > 0, Timeout, "the blocking handler to start");
            await Bounded(a.Bus.SendAsync(new Parked(parked, Block: false), cancellationToken: Cancel), "the send behind it");
            await Bounded(a.StopAsync(), "the stop");
        }

        Assert.True(log.Of(ComplianceEndpoints.Parked, parked).Count == 0 && log.Of(ComplianceEndpoints.Parked, blocker).Count == 0,
            $"The first bus handled a message it should have left: the endpoint's only worker was held until the stop.{log.Describe()}");

        log.HoldBlockers = false;
        await using ComplianceBus b = await StartAsync(log, "B");
        var fresh = Guid.NewGuid();
        await Bounded(b.Bus.SendAsync(new Parked(fresh, Block: false), cancellationToken: Cancel), "the send to the restarted bus");

        if (Fixture.SurvivesRestart)
        {
            await log.WaitForAsync(
                h => Count(h, ComplianceEndpoints.Parked, fresh) > 0 && Count(h, ComplianceEndpoints.Parked, parked) > 0 && Count(h, ComplianceEndpoints.Parked, blocker) > 0,
                Timeout, "the restarted bus to handle the new message and both left by the stop");
            Assert.Single(log.Of(ComplianceEndpoints.Parked, parked));
            Assert.Single(log.Of(ComplianceEndpoints.Parked, blocker));
        }
        else
        {
            await log.WaitForAsync(h => Count(h, ComplianceEndpoints.Parked, fresh) > 0, Timeout, "the restarted bus to handle a new message");
        }

        Assert.Equal("B", Assert.Single(log.Of(ComplianceEndpoints.Parked, fresh)).Bus);
    }

    private async Task<Guid[]> SendWorkAsync(ComplianceBus bus, int holdMs)
    {
        var ids = new Guid[Commands];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = Guid.NewGuid();
            await Bounded(bus.Bus.SendAsync(new Work(ids[i], holdMs), cancellationToken: Cancel), $"send {i + 1}");
        }

        return ids;
    }

    private static bool AllHandled(IReadOnlyList<Handled> handled, Guid[] ids)
    {
        var seen = new HashSet<Guid>();
        foreach (Handled h in handled)
        {
            if (h.What == ComplianceEndpoints.Work)
            {
                seen.Add(h.Id);
            }
        }

        return seen.IsSupersetOf(ids);
    }

    private static int Handles(IReadOnlyList<Handled> handled, Guid[] ids)
    {
        var wanted = new HashSet<Guid>(ids);
        int count = 0;
        foreach (Handled h in handled)
        {
            if (h.What == ComplianceEndpoints.Work && wanted.Contains(h.Id))
            {
                count++;
            }
        }

        return count;
    }

    private static void AssertEachOnce(ComplianceLog log, Guid[] ids)
    {
        foreach (Guid id in ids)
        {
            int count = log.Of(ComplianceEndpoints.Work, id).Count;
            Assert.True(count == 1, $"Command {id} was handled {count} times.{log.Describe()}");
        }
    }
}
