using System;

namespace Contracts;

/// <summary>
/// Where a new event subscription starts reading the event stream on NATS JetStream (<see cref="NatsTransportOptions.StartAt(string, NatsStreamStart)"/>):
/// only what is published from now on, everything the stream still holds, from a stream sequence, or from a time.
/// </summary>
public sealed class NatsStreamStart
{
    private NatsStreamStart(NatsStreamStartKind kind, ulong sequence, DateTimeOffset time)
    {
        Kind = kind;
        Sequence = sequence;
        Time = time;
    }

    /// <summary>Only events published after the subscription is created (the default, as a new queue on a broker).</summary>
    public static NatsStreamStart New { get; } = new(NatsStreamStartKind.New, 0, default);

    /// <summary>Every event the stream still holds (see <see cref="NatsTransportOptions.EventRetention"/>), then what follows.</summary>
    public static NatsStreamStart All { get; } = new(NatsStreamStartKind.All, 0, default);

    /// <summary>From the event at stream sequence <paramref name="sequence"/> (1 is the first the stream ever stored) on.</summary>
    /// <param name="sequence">The first stream sequence delivered.</param>
    /// <returns>The start.</returns>
    public static NatsStreamStart AtSequence(ulong sequence)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sequence);
        return new NatsStreamStart(NatsStreamStartKind.Sequence, sequence, default);
    }

    /// <summary>From the first event stored at or after <paramref name="time"/> on.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The start.</returns>
    public static NatsStreamStart AtTime(DateTimeOffset time) => new(NatsStreamStartKind.Time, 0, time);

    /// <summary>Which kind of start this is.</summary>
    public NatsStreamStartKind Kind { get; }

    /// <summary>The first stream sequence, for <see cref="NatsStreamStartKind.Sequence"/>.</summary>
    public ulong Sequence { get; }

    /// <summary>The start time, for <see cref="NatsStreamStartKind.Time"/>.</summary>
    public DateTimeOffset Time { get; }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        NatsStreamStartKind.Sequence => $"from sequence {Sequence}",
        NatsStreamStartKind.Time => $"from {Time:O}",
        NatsStreamStartKind.All => "all",
        _ => "new",
    };
}
