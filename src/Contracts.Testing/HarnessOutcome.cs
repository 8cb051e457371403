namespace Contracts.Testing;

/// <summary>How a delivery recorded by <see cref="ContractsTestHarness"/> ended.</summary>
public enum HarnessOutcome
{
    /// <summary>The handler succeeded (or the bus settled the message without it: a duplicate the inbox dropped, an expired message).</summary>
    Completed,

    /// <summary>Every attempt failed, or the message could not be read: it is in the dead letters.</summary>
    DeadLettered,

    /// <summary>Given back unhandled, to be delivered again (the bus stopping).</summary>
    Abandoned,
}
