using System;
using Contracts.Pipeline.Steps;

namespace Contracts.Runtime.Tests;

/// <summary>Failure handling's rule, attempt by attempt.</summary>
public sealed class RetryStepTests
{
    private static EndpointOptions Endpoint(int immediate, int delayed, DeliveryMode mode = DeliveryMode.AtLeastOnce)
    {
        var options = new EndpointOptions { Delivery = mode };
        options.Retry.ImmediateRetries = immediate;
        options.Retry.DelayedRetries = delayed;
        options.Retry.Delay = TimeSpan.FromSeconds(1);
        options.Retry.Jitter = 0;
        return options;
    }

    [Fact]
    public void Rounds_of_immediate_retries_are_separated_by_growing_delays_then_dead_letters()
    {
        EndpointOptions options = Endpoint(immediate: 1, delayed: 2);
        var error = new TimeoutException();

        Assert.Equal(new RetryDecision(RetryAction.Immediate, 2, TimeSpan.Zero), RetryStep.Decide(options, 1, error, 0.5));
        Assert.Equal(new RetryDecision(RetryAction.Delayed, 3, TimeSpan.FromSeconds(1)), RetryStep.Decide(options, 2, error, 0.5));
        Assert.Equal(RetryAction.Immediate, RetryStep.Decide(options, 3, error, 0.5).Action);
        Assert.Equal(new RetryDecision(RetryAction.Delayed, 5, TimeSpan.FromSeconds(2)), RetryStep.Decide(options, 4, error, 0.5));
        Assert.Equal(RetryAction.Immediate, RetryStep.Decide(options, 5, error, 0.5).Action);
        Assert.Equal(RetryAction.DeadLetter, RetryStep.Decide(options, 6, error, 0.5).Action);
    }

    [Fact]
    public void Skip_mode_dead_letters_an_ordered_endpoint_s_message_at_the_end_of_its_first_round_and_only_there()
    {
        EndpointOptions options = Endpoint(immediate: 1, delayed: 2);
        options.OrderingFailure = OrderingFailureMode.SkipAndDeadLetter;
        var error = new TimeoutException();

        Assert.Equal(RetryAction.Immediate, RetryStep.Decide(options, 1, error, 0.5, ordered: true).Action);
        Assert.Equal(new RetryDecision(RetryAction.DeadLetter, 2, TimeSpan.Zero), RetryStep.Decide(options, 2, error, 0.5, ordered: true));

        // Without a partition key the mode says nothing: the delayed rounds run as usual.
        Assert.Equal(RetryAction.Delayed, RetryStep.Decide(options, 2, error, 0.5, ordered: false).Action);

        // Block (the default) keeps the delayed rounds on an ordered endpoint; the transport holds the key meanwhile.
        options.OrderingFailure = OrderingFailureMode.Block;
        Assert.Equal(RetryAction.Delayed, RetryStep.Decide(options, 2, error, 0.5, ordered: true).Action);
    }

    [Fact]
    public void An_unknown_ordering_failure_mode_is_refused_when_the_bus_is_configured()
    {
        var options = new EndpointOptions { OrderingFailure = (OrderingFailureMode)7 };
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate("ledger"));
        Assert.Contains("Endpoint 'ledger' has an unknown OrderingFailure mode.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_never_retried_and_an_at_most_once_endpoint_go_to_dead_letters_at_once()
    {
        EndpointOptions filtered = Endpoint(immediate: 3, delayed: 3);
        filtered.Retry.NeverRetry<ArgumentException>();
        Assert.Equal(RetryAction.DeadLetter, RetryStep.Decide(filtered, 1, new ArgumentNullException("x"), 0.5).Action);
        Assert.Equal(RetryAction.Immediate, RetryStep.Decide(filtered, 1, new TimeoutException(), 0.5).Action);

        EndpointOptions atMostOnce = Endpoint(immediate: 3, delayed: 3, DeliveryMode.AtMostOnce);
        Assert.Equal(RetryAction.DeadLetter, RetryStep.Decide(atMostOnce, 1, new TimeoutException(), 0.5).Action);
    }

    [Fact]
    public void Without_retries_the_first_failure_is_final()
    {
        Assert.Equal(RetryAction.DeadLetter, RetryStep.Decide(Endpoint(immediate: 0, delayed: 0), 1, new TimeoutException(), 0.5).Action);
        Assert.Equal(new RetryDecision(RetryAction.Delayed, 2, TimeSpan.FromSeconds(1)), RetryStep.Decide(Endpoint(immediate: 0, delayed: 1), 1, new TimeoutException(), 0.5));
    }
}
