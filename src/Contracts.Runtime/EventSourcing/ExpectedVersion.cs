using System;
using System.Globalization;

namespace Contracts.EventSourcing;

/// <summary>
/// What an append or a deletion expects of its stream: <see cref="Any"/> (no check), <see cref="NoStream"/> (the
/// stream must not exist yet) or <see cref="Exactly"/> a version (the stream's last event has it): optimistic
/// concurrency, where two writers that read the same version cannot both append.
/// </summary>
public readonly record struct ExpectedVersion
{
    private const long AnyValue = -1;

    private ExpectedVersion(long value) => Value = value;

    /// <summary>No check: the events go after whatever the stream holds.</summary>
    public static ExpectedVersion Any { get; } = new(AnyValue);

    /// <summary>The stream must not exist (hold no events) yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(0);

    /// <summary>The version expected (0 is <see cref="NoStream"/>), or -1 for <see cref="Any"/>.</summary>
    public long Value { get; }

    /// <summary>Whether any version is accepted.</summary>
    public bool IsAny => Value == AnyValue;

    /// <summary>The stream's last event must have <paramref name="version"/> (0: the stream must not exist).</summary>
    /// <param name="version">The version the caller read.</param>
    /// <returns>The expectation.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is negative.</exception>
    public static ExpectedVersion Exactly(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return new(version);
    }

    /// <summary>Whether a stream at <paramref name="actual"/> meets the expectation.</summary>
    /// <param name="actual">The stream's version.</param>
    /// <returns>True when it does.</returns>
    public bool IsMetBy(long actual) => IsAny || Value == actual;

    /// <inheritdoc />
    public override string ToString() => IsAny ? "any" : Value == 0 ? "no stream" : Value.ToString(CultureInfo.InvariantCulture);
}
