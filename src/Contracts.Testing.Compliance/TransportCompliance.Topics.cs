using System;
using System.Threading.Tasks;

namespace Contracts.Testing.Compliance;

// Topic routing: subscriptions by pattern, matched natively by a broker with wildcards or against the catalog at
// start by one without; the same deliveries either way, and the same start failures for a wrong pattern.
public abstract partial class TransportCompliance<TFixture>
{
    private static readonly string[] s_topicQueues = [ComplianceEndpoints.OrdersOneLevelAudit, ComplianceEndpoints.OrdersAllLevelsAudit];

    /// <summary>
    /// <c>Compliance.Topics.Orders.*</c> takes the events one segment under <c>Orders</c> (two contracts, one
    /// subscription) and neither the deeper one nor one outside: each once, on the topic subscription's endpoint.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_topic_subscription_with_a_star_receives_each_event_one_segment_deep_once()
    {
        ComplianceLog log = await BeginAsync(s_topicQueues);
        await using ComplianceBus bus = await StartAsync(log, "A", SubscribeTopics);
        (Guid placed, Guid shipped, Guid opened, Guid counted) = await PublishTopicEventsAsync(bus);

        string audit = ComplianceEndpoints.OrdersOneLevelAudit;
        await log.WaitForAsync(h => Count(h, audit, placed) > 0 && Count(h, audit, shipped) > 0, Timeout, "the one-level subscription to get both events");
        // The all-levels subscription got the deeper event: by then the one-level one would have it too, had it been routed there.
        await log.WaitForAsync(h => Count(h, ComplianceEndpoints.OrdersAllLevelsAudit, opened) > 0, Timeout, "the all-levels subscription to get the deeper event");
        Assert.False(
            await log.TryWaitForAsync(h => Count(h, audit, placed) > 1 || Count(h, audit, shipped) > 1 || Count(h, audit, opened) > 0 || Count(h, audit, counted) > 0, s_grace),
            $"'{ComplianceEndpoints.OrdersOneLevel}' got an event twice, or one it does not match.{log.Describe()}");
        Assert.Equal(audit, Assert.Single(log.Of(audit, placed)).Endpoint);
        Assert.Equal(audit, Assert.Single(log.Of(audit, shipped)).Endpoint);
    }

    /// <summary>
    /// <c>Compliance.Topics.Orders.&gt;</c> takes every event under <c>Orders</c>, however deep, once each, beside the
    /// one-level subscription of the same events (each handler its own subscription), and not one outside.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_topic_subscription_with_a_final_gt_receives_every_event_below_once()
    {
        ComplianceLog log = await BeginAsync(s_topicQueues);
        await using ComplianceBus bus = await StartAsync(log, "A", SubscribeTopics);
        (Guid placed, Guid shipped, Guid opened, Guid counted) = await PublishTopicEventsAsync(bus);

        string audit = ComplianceEndpoints.OrdersAllLevelsAudit;
        await log.WaitForAsync(h => Count(h, audit, placed) > 0 && Count(h, audit, shipped) > 0 && Count(h, audit, opened) > 0, Timeout, "the all-levels subscription to get three events");
        await log.WaitForAsync(h => Count(h, ComplianceEndpoints.OrdersOneLevelAudit, placed) > 0, Timeout, "the one-level subscription to get the placed event as well");
        Assert.False(
            await log.TryWaitForAsync(h => Count(h, audit, placed) > 1 || Count(h, audit, shipped) > 1 || Count(h, audit, opened) > 1 || Count(h, audit, counted) > 0, s_grace),
            $"'{ComplianceEndpoints.OrdersAllLevels}' got an event twice, or one it does not match.{log.Describe()}");
        Assert.Equal(audit, Assert.Single(log.Of(audit, opened)).Endpoint);
    }

    /// <summary>An event published with a delay reaches a topic subscription once, no earlier than its delay.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_delayed_event_reaches_a_topic_subscription_after_its_delay()
    {
        ComplianceLog log = await BeginAsync(s_topicQueues);
        await using ComplianceBus bus = await StartAsync(log, "A", SubscribeTopics);

        var id = Guid.NewGuid();
        TimeSpan delay = TimeSpan.FromMilliseconds(600);
        long sent = System.Diagnostics.Stopwatch.GetTimestamp();
        await Bounded(bus.Bus.PublishAsync(new TopicReturnOpened(id), new SendOptions { Delay = delay }, Cancel), "the delayed publish");

        string audit = ComplianceEndpoints.OrdersAllLevelsAudit;
        await log.WaitForAsync(h => Count(h, audit, id) > 0, Timeout, "the delayed event on the topic subscription");
        Handled handled = Assert.Single(log.Of(audit, id));
        TimeSpan waited = System.Diagnostics.Stopwatch.GetElapsedTime(sent, handled.Timestamp);
        Assert.True(waited >= delay - TimeSpan.FromMilliseconds(50), $"The event was handled after {waited.TotalMilliseconds:0} ms, before its {delay.TotalMilliseconds:0} ms delay.");
        Assert.False(await log.TryWaitForAsync(h => Count(h, audit, id) > 1, s_grace), $"The delayed event was handled twice.{log.Describe()}");
    }

    /// <summary>A pattern that matches no contract in the catalog fails the start, and the error names the pattern.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_topic_pattern_that_matches_no_contract_fails_the_start_naming_it()
    {
        ComplianceLog log = await BeginAsync(s_topicQueues);
        const string pattern = "Compliance.Topics.Nothing.*";
        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => StartAsync(log, "A", t => t.Subscribe<OrdersOneLevelAudit>(pattern, e => e.Consume = true)));
        Assert.Contains($"'{pattern}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("matches no contract", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A pattern that matches a command fails the start, naming the pattern and the command.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_topic_pattern_that_matches_a_command_fails_the_start_naming_it()
    {
        ComplianceLog log = await BeginAsync(s_topicQueues);
        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => StartAsync(log, "A", t => t.Subscribe<OrdersOneLevelAudit>("Compliance.*", e => e.Consume = true)));
        Assert.Contains("'Compliance.*'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not an event", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A pattern that matches an event its handler does not handle fails the start, naming the pattern, the event and the handler.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_topic_pattern_that_matches_an_event_its_handler_lacks_fails_the_start()
    {
        ComplianceLog log = await BeginAsync(s_topicQueues);
        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => StartAsync(log, "A", t => t.Subscribe<OrdersOneLevelAudit>(ComplianceEndpoints.OrdersAllLevels, e => e.Consume = true)));
        Assert.Contains($"'{ComplianceEndpoints.OrdersAllLevels}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'Compliance.Topics.Orders.Returns.Opened'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OrdersOneLevelAudit), ex.Message, StringComparison.Ordinal);
    }

    private static void SubscribeTopics(TransportOptions t)
    {
        t.Subscribe<OrdersOneLevelAudit>(ComplianceEndpoints.OrdersOneLevel, e => e.Consume = true);
        t.Subscribe<OrdersAllLevelsAudit>(ComplianceEndpoints.OrdersAllLevels, e => e.Consume = true);
    }

    private async Task<(Guid Placed, Guid Shipped, Guid Opened, Guid Counted)> PublishTopicEventsAsync(ComplianceBus bus)
    {
        (Guid placed, Guid shipped, Guid opened, Guid counted) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await Bounded(bus.Bus.PublishAsync(new TopicOrderPlaced(placed), cancellationToken: Cancel), "publishing placed");
        await Bounded(bus.Bus.PublishAsync(new TopicOrderShipped(shipped), cancellationToken: Cancel), "publishing shipped");
        await Bounded(bus.Bus.PublishAsync(new TopicReturnOpened(opened), cancellationToken: Cancel), "publishing opened");
        await Bounded(bus.Bus.PublishAsync(new TopicStockCounted(counted), cancellationToken: Cancel), "publishing counted");
        return (placed, shipped, opened, counted);
    }
}
