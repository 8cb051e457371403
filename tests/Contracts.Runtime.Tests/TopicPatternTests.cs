using System;
using Contracts.Routing;

namespace Contracts.Runtime.Tests;

/// <summary>The topic pattern grammar and matcher every transport shares (in memory and Redis match with it at start).</summary>
public sealed class TopicPatternTests
{
    [Theory]
    [InlineData("shop.orders.*", "shop.orders.placed", true)]
    [InlineData("shop.orders.*", "shop.orders", false)]
    [InlineData("shop.orders.*", "shop.orders.returns.opened", false)]
    [InlineData("shop.orders.>", "shop.orders.placed", true)]
    [InlineData("shop.orders.>", "shop.orders.returns.opened", true)]
    [InlineData("shop.orders.>", "shop.orders.placed.v2", true)]
    [InlineData("shop.orders.>", "shop.orders", false)]
    [InlineData("shop.*.placed", "shop.orders.placed", true)]
    [InlineData("shop.*.placed", "shop.orders.shipped", false)]
    [InlineData("*", "shop", true)]
    [InlineData("*", "shop.orders", false)]
    [InlineData(">", "shop.orders", true)]
    [InlineData("shop.orders.placed", "shop.orders.placed", true)]
    [InlineData("shop.orders.placed", "shop.orders.placedx", false)]
    [InlineData("Shop.Orders.*", "shop.orders.placed", false)]
    [InlineData("shop.orders.*", "shop.ordersx.placed", false)]
    public void Matches_segment_by_segment(string pattern, string address, bool expected) =>
        Assert.Equal(expected, TopicPattern.Matches(pattern, address));

    [Theory]
    [InlineData("shop..orders", "empty segment")]
    [InlineData(".shop", "empty segment")]
    [InlineData("shop.", "empty segment")]
    [InlineData("shop.>.placed", "'>' before its last segment")]
    [InlineData("shop.ord*", "Wildcards do not combine")]
    [InlineData("shop.#", "'#' is written '>'")]
    [InlineData("shop. orders", "Wildcards do not combine")]
    public void An_invalid_pattern_is_refused_saying_why(string pattern, string reason)
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => TopicPattern.Validate(pattern, "topic"));
        Assert.Contains($"'{pattern}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Subscribe_refuses_an_invalid_pattern_at_once_and_the_same_subscription_twice()
    {
        var options = new InMemoryTransportOptions();
        Assert.Throws<ArgumentException>(() => options.Subscribe<TopicPatternTests>("a.>.b"));
        options.Subscribe<TopicPatternTests>("a.*");
        ArgumentException twice = Assert.Throws<ArgumentException>(() => options.Subscribe<TopicPatternTests>("a.*"));
        Assert.Contains("twice", twice.Message, StringComparison.Ordinal);
    }
}
