using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Contracts.Testing.Compliance;

// Commands, events, queries and delays: what a working transport moves.
public abstract partial class TransportCompliance<TFixture>
{
    /// <summary>A command reaches its one handler once, and the handler's context carries the envelope's ids.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_command_reaches_one_consumer_once_with_the_envelope_ids()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Ping);
        await using ComplianceBus bus = await StartAsync(log, "A");

        var id = Guid.NewGuid();
        var messageId = Guid.CreateVersion7();
        var correlationId = Guid.NewGuid();
        var marker = Guid.NewGuid();
        await Bounded(bus.Bus.SendAsync(new Ping(id), new SendOptions { MessageId = messageId, CorrelationId = correlationId }, Cancel), "the send");
        await Bounded(bus.Bus.SendAsync(new Ping(marker), cancellationToken: Cancel), "the second send");

        await log.WaitForAsync(h => Count(h, ComplianceEndpoints.Ping, id) > 0 && Count(h, ComplianceEndpoints.Ping, marker) > 0, Timeout, "both commands");
        Assert.False(await log.TryWaitForAsync(h => Count(h, ComplianceEndpoints.Ping, id) > 1, s_grace), $"The command was handled more than once.{log.Describe()}");

        Handled handled = Assert.Single(log.Of(ComplianceEndpoints.Ping, id));
        Assert.Equal(messageId, handled.MessageId);
        Assert.Equal(correlationId, handled.CorrelationId);
        Assert.Equal(ComplianceEndpoints.Ping, handled.Endpoint);
        Assert.Equal(1, handled.Attempt);
        Assert.Single(log.Of(ComplianceEndpoints.Ping, marker));
    }

    /// <summary>An event reaches each of its two subscriptions exactly once, as the same message.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task An_event_fans_out_to_each_subscription_once()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.PingedFirst, ComplianceEndpoints.PingedSecond);
        await using ComplianceBus bus = await StartAsync(log, "A");

        var id = Guid.NewGuid();
        await Bounded(bus.Bus.PublishAsync(new Pinged(id), cancellationToken: Cancel), "the publish");

        await log.WaitForAsync(
            h => Count(h, ComplianceEndpoints.PingedFirst, id) > 0 && Count(h, ComplianceEndpoints.PingedSecond, id) > 0, Timeout, "both subscriptions");
        Assert.False(
            await log.TryWaitForAsync(h => Count(h, ComplianceEndpoints.PingedFirst, id) > 1 || Count(h, ComplianceEndpoints.PingedSecond, id) > 1, s_grace),
            $"A subscription got the event more than once.{log.Describe()}");

        Handled first = Assert.Single(log.Of(ComplianceEndpoints.PingedFirst, id));
        Handled second = Assert.Single(log.Of(ComplianceEndpoints.PingedSecond, id));
        Assert.Equal(ComplianceEndpoints.PingedFirst, first.Endpoint);
        Assert.Equal(ComplianceEndpoints.PingedSecond, second.Endpoint);
        Assert.Equal(first.MessageId, second.MessageId);
    }

    /// <summary>A query gets its handler's typed result.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_query_gets_its_typed_reply()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Echo);
        await using ComplianceBus bus = await StartAsync(log, "A");

        var id = Guid.NewGuid();
        EchoReply reply = await Bounded(bus.Bus.QueryAsync(new Echo(id, 21), cancellationToken: Cancel), "the reply");

        Assert.Equal(new EchoReply(id, 42), reply);
        Assert.Single(log.Of(ComplianceEndpoints.Echo, id));
    }

    /// <summary>A query whose handler is slower than <see cref="QueryOptions.Timeout"/> fails with <see cref="TimeoutException"/>, and the bus goes on answering.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_query_slower_than_its_timeout_fails_and_the_bus_keeps_answering()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.SlowEcho, ComplianceEndpoints.Echo);
        await using ComplianceBus bus = await StartAsync(log, "A");

        TimeSpan timeout = TimeSpan.FromMilliseconds(300);
        const int HandlerMs = 3000;
        var slow = Guid.NewGuid();
        long asked = Stopwatch.GetTimestamp();
        Exception? error = await Record.ExceptionAsync(() => Bounded(
            bus.Bus.QueryAsync(new SlowEcho(slow, 1, HandlerMs), new QueryOptions { Timeout = timeout }, Cancel), "the slow query to fail"));
        TimeSpan waited = Stopwatch.GetElapsedTime(asked);

        Assert.IsType<TimeoutException>(error);
        Assert.True(waited >= timeout - TimeSpan.FromMilliseconds(20), $"The query failed after {waited.TotalMilliseconds:0} ms, before its timeout of {timeout.TotalMilliseconds:0} ms.");
        Assert.True(waited < TimeSpan.FromMilliseconds(HandlerMs), $"The query failed after {waited.TotalMilliseconds:0} ms: it waited for the handler rather than its timeout.");

        // The endpoint has one worker: the next query is answered only once the abandoned handler is cancelled.
        var next = Guid.NewGuid();
        long askedAgain = Stopwatch.GetTimestamp();
        EchoReply again = await Bounded(bus.Bus.QueryAsync(new SlowEcho(next, 5, 0), cancellationToken: Cancel), "a query on the same endpoint after the timeout");
        Assert.Equal(new EchoReply(next, 10), again);
        TimeSpan answeredAfter = Stopwatch.GetElapsedTime(askedAgain);
        Assert.True(answeredAfter < TimeSpan.FromMilliseconds(HandlerMs / 2),
            $"The next query took {answeredAfter.TotalMilliseconds:0} ms: the handler of the abandoned query was not cancelled when its caller gave up.");
        var other = Guid.NewGuid();
        EchoReply echo = await Bounded(bus.Bus.QueryAsync(new Echo(other, 4), cancellationToken: Cancel), "a query on another endpoint after the timeout");
        Assert.Equal(new EchoReply(other, 8), echo);
    }

    /// <summary>A delayed send is not handled before its delay, is handled after it, and does not hold back a message sent after it.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_delayed_send_is_handled_after_its_delay_and_not_before()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Later);
        await using ComplianceBus bus = await StartAsync(log, "A");

        TimeSpan delay = TimeSpan.FromSeconds(1);
        var delayed = Guid.NewGuid();
        var immediate = Guid.NewGuid();
        long sent = Stopwatch.GetTimestamp();
        await Bounded(bus.Bus.SendAsync(new Later(delayed), new SendOptions { Delay = delay }, Cancel), "the delayed send");
        await Bounded(bus.Bus.SendAsync(new Later(immediate), cancellationToken: Cancel), "the immediate send");

        await log.WaitForAsync(h => Count(h, ComplianceEndpoints.Later, delayed) > 0 && Count(h, ComplianceEndpoints.Later, immediate) > 0, delay + Timeout, "both messages");

        Handled late = Assert.Single(log.Of(ComplianceEndpoints.Later, delayed));
        Handled now = Assert.Single(log.Of(ComplianceEndpoints.Later, immediate));
        TimeSpan after = Between(sent, late.Timestamp);
        // 10 ms: the runtime's clock and the stopwatch may disagree by a tick.
        Assert.True(after >= delay - TimeSpan.FromMilliseconds(10), $"The delayed message was handled {after.TotalMilliseconds:0} ms after its send, before its delay of {delay.TotalMilliseconds:0} ms.");
        Assert.True(now.Timestamp < late.Timestamp, "The message sent without a delay waited behind the delayed one.");
    }
}
