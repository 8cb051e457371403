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
}
