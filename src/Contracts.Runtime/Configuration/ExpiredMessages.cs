namespace Contracts;

/// <summary>What happens to a command or event that arrives after its deliver-by time (<see cref="ContractsOptions.ExpiredMessages"/>).</summary>
public enum ExpiredMessages
{
    /// <summary>Dropped unhandled, counted in <c>contracts.messages.expired</c> and logged as a warning.</summary>
    Drop = 0,

    /// <summary>Moved to dead letters with <see cref="Storage.DeadLetterReason.Expired"/>, unhandled.</summary>
    DeadLetter = 1,
}
