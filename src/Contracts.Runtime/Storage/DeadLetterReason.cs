namespace Contracts.Storage;

/// <summary>Why a message went to dead letters.</summary>
public enum DeadLetterReason
{
    /// <summary>Its handler failed on every attempt the retry policy allowed, or with an exception it never retries.</summary>
    Failed = 1,

    /// <summary>It cannot be read: bad bytes, or a payload over <see cref="ContractsOptions.MaxPayloadBytes"/>.</summary>
    Unreadable = 2,

    /// <summary>Its contract name and version are not in this process's compiled catalog.</summary>
    UnknownContract = 3,

    /// <summary>
    /// Its deliveries kept ending before it was settled (the handler took the process down: a fail-fast, a stack
    /// overflow, a native crash), more than <see cref="ContractsOptions.MaxUnfinishedDeliveries"/> times; it was not handled again.
    /// </summary>
    CrashLoop = 4,

    /// <summary>Its deliver-by time had passed when it arrived (kept only with <see cref="ExpiredMessages.DeadLetter"/>).</summary>
    Expired = 5,

    /// <summary>It asked to be delivered further ahead than <see cref="ContractsOptions.MaxDeliveryDelay"/>.</summary>
    DelayTooLong = 6,
}
