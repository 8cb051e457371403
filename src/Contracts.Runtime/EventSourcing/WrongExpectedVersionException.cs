using System;

namespace Contracts.EventSourcing;

/// <summary>
/// An append or deletion expected its stream at one version and found another: another writer appended first. Read the
/// stream again, decide again, and retry (a command handler that throws it is retried by its endpoint's policy).
/// </summary>
public sealed class WrongExpectedVersionException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">What the writer expected.</param>
    /// <param name="actual">The stream's version.</param>
    public WrongExpectedVersionException(string streamId, ExpectedVersion expected, long actual)
        : base($"Stream '{streamId}' is at version {actual}, but the append expected {expected}: another writer appended first. " +
               "Read the stream again and retry.")
    {
        StreamId = streamId;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The stream.</summary>
    public string StreamId { get; }

    /// <summary>What the writer expected.</summary>
    public ExpectedVersion Expected { get; }

    /// <summary>The stream's version when the append was refused.</summary>
    public long Actual { get; }
}
