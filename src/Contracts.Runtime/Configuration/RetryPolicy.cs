using System;
using System.Collections.Generic;

namespace Contracts;

/// <summary>
/// What an endpoint does when a handler throws: <see cref="ImmediateRetries"/> retries at once, then up to
/// <see cref="DelayedRetries"/> rounds after an exponentially growing, jittered delay (each round again with its
/// immediate retries), then dead letters. <see cref="NeverRetry{TException}"/> and <see cref="AlwaysRetry{TException}"/>
/// filter by exception. A message that cannot be read is never retried.
/// </summary>
public sealed class RetryPolicy
{
    private List<Func<Exception, bool>> _never = [];
    private List<Func<Exception, bool>> _always = [];

    /// <summary>Retries right after a failure, in each round. Default 0.</summary>
    public int ImmediateRetries { get; set; }

    /// <summary>Rounds of retries after a delay. Default 0.</summary>
    public int DelayedRetries { get; set; }

    /// <summary>The delay before the first delayed round; each further round multiplies it by <see cref="BackoffFactor"/>. Default 1 second.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How much each delayed round's delay grows. Default 2.</summary>
    public double BackoffFactor { get; set; } = 2;

    /// <summary>The longest delay. Default 10 minutes.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Random spread of each delay, as a fraction of it (0.2: anywhere from 80% to 120%). Default 0.2.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>Sends a failure with <typeparamref name="TException"/> (or a derived type) straight to dead letters: a validation failure will fail again.</summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <returns>This policy, for chaining.</returns>
    public RetryPolicy NeverRetry<TException>()
        where TException : Exception
    {
        _never.Add(static e => e is TException);
        return this;
    }

    /// <summary>Retries a failure with <typeparamref name="TException"/> (or a derived type) even when a <see cref="NeverRetry{TException}"/> filter matches it.</summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <returns>This policy, for chaining.</returns>
    public RetryPolicy AlwaysRetry<TException>()
        where TException : Exception
    {
        _always.Add(static e => e is TException);
        return this;
    }

    /// <summary>Sends failures that match <paramref name="filter"/> straight to dead letters.</summary>
    /// <param name="filter">The filter.</param>
    /// <returns>This policy, for chaining.</returns>
    public RetryPolicy NeverRetry(Func<Exception, bool> filter)
    {
        _never.Add(filter ?? throw new ArgumentNullException(nameof(filter)));
        return this;
    }

    /// <summary>Whether <paramref name="exception"/> may be retried at all.</summary>
    /// <param name="exception">The handler's exception.</param>
    /// <returns>False when a never-retry filter matches and no always-retry filter does.</returns>
    public bool IsRetryable(Exception exception)
    {
        foreach (Func<Exception, bool> always in _always)
        {
            if (always(exception))
            {
                return true;
            }
        }

        foreach (Func<Exception, bool> never in _never)
        {
            if (never(exception))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The delay before delayed round <paramref name="round"/> (0 for the first), with jitter from <paramref name="random"/>.</summary>
    /// <param name="round">The round, from 0.</param>
    /// <param name="random">A number in [0, 1).</param>
    /// <returns>The delay.</returns>
    public TimeSpan DelayFor(int round, double random)
    {
        double ms = Delay.TotalMilliseconds * Math.Pow(BackoffFactor, round);
        ms = Math.Min(ms, MaxDelay.TotalMilliseconds);
        ms *= 1 + (Jitter * ((2 * random) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, ms));
    }

    internal RetryPolicy Clone()
    {
        var clone = (RetryPolicy)MemberwiseClone();
        clone._never = [.. _never];
        clone._always = [.. _always];
        return clone;
    }

    internal void Validate(string endpoint)
    {
        if (ImmediateRetries < 0 || DelayedRetries < 0 || Delay < TimeSpan.Zero || BackoffFactor < 1 || Jitter is < 0 or > 1 || MaxDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(EndpointOptions.Retry),
                $"Endpoint '{endpoint}' has an invalid retry policy: retries and delays must not be negative, BackoffFactor at least 1 and Jitter between 0 and 1.");
        }
    }
}
