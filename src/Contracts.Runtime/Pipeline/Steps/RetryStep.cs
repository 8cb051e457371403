using System;

namespace Contracts.Pipeline.Steps;

/// <summary>What a failed attempt leads to.</summary>
internal enum RetryAction
{
    /// <summary>Run the handler again at once, with a fresh scope.</summary>
    Immediate,

    /// <summary>Hand the message back to run again after a delay.</summary>
    Delayed,

    /// <summary>No attempts left, or a failure that is never retried.</summary>
    DeadLetter,
}

/// <summary>The decision after a failed attempt: the action, the next attempt's number and, for a delayed retry, its delay.</summary>
internal readonly record struct RetryDecision(RetryAction Action, int NextAttempt, TimeSpan Delay);

/// <summary>
/// Failure handling's rule: each round is the first attempt and its immediate retries; after a round, a delayed retry
/// starts the next round until the delayed rounds run out; at most once, or for a failure the policy never retries,
/// the message goes to dead letters at once.
/// </summary>
internal static class RetryStep
{
    /// <summary>The decision after attempt <paramref name="attempt"/> failed with <paramref name="error"/>.</summary>
    /// <param name="options">The endpoint's settings.</param>
    /// <param name="attempt">The attempt that failed.</param>
    /// <param name="error">Its exception.</param>
    /// <param name="random">A number in [0, 1) for the jitter.</param>
    /// <param name="ordered">
    /// Whether the endpoint keeps order per partition key: with <see cref="OrderingFailureMode.SkipAndDeadLetter"/>, a
    /// round's end goes to dead letters rather than a delayed retry, so the key's next message need not wait.
    /// </param>
    public static RetryDecision Decide(EndpointOptions options, int attempt, Exception error, double random, bool ordered = false)
    {
        RetryPolicy policy = options.Retry;
        bool atMostOnce = options.Delivery == DeliveryMode.AtMostOnce;
        int perRound = atMostOnce ? 1 : policy.ImmediateRetries + 1;
        if (atMostOnce || !policy.IsRetryable(error))
        {
            return new RetryDecision(RetryAction.DeadLetter, attempt, TimeSpan.Zero);
        }

        if ((attempt - 1) % perRound < perRound - 1)
        {
            return new RetryDecision(RetryAction.Immediate, attempt + 1, TimeSpan.Zero);
        }

        int round = (attempt - 1) / perRound;
        bool skip = ordered && options.OrderingFailure == OrderingFailureMode.SkipAndDeadLetter;
        return round < policy.DelayedRetries && !skip
            ? new RetryDecision(RetryAction.Delayed, ((round + 1) * perRound) + 1, policy.DelayFor(round, random))
            : new RetryDecision(RetryAction.DeadLetter, attempt, TimeSpan.Zero);
    }
}
