using System;
using System.Diagnostics;
using System.Threading;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// One cancellation shared by every publish on one <see cref="PublishLink"/> whose deadline falls in the same short
/// slice of time (a thirty-second of <see cref="RabbitMqTransportOptions.PublishTimeout"/>): signalled at the slice's
/// end, or when the link is given up. A publish waits for its confirm on this token instead of on a timer and a task
/// of its own, so a full confirm window costs a timer every slice, not one per publish. A publish's deadline is
/// therefore kept to within one slice late, never early.
/// </summary>
internal sealed class PublishDeadline
{
    /// <summary>How many slices one <see cref="RabbitMqTransportOptions.PublishTimeout"/> is cut into.</summary>
    private const int SlicesPerTimeout = 32;

    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenRegistration _onLost;

    private PublishDeadline(PublishLink link, long slice, TimeSpan delay, TimeProvider time)
    {
        Link = link;
        Slice = slice;
        _source = new CancellationTokenSource(delay, time);
        _onLost = link.Lost.UnsafeRegister(static state => ((PublishDeadline)state!).Cancel(), this);

        // Once the slice has ended, the link's token no longer needs to reach it (a link lives for many slices).
        _source.Token.UnsafeRegister(static state => ((PublishDeadline)state!)._onLost.Unregister(), this);
    }

    /// <summary>The link whose publishes it bounds.</summary>
    public PublishLink Link { get; }

    /// <summary>The slice its deadlines fall in: a deadline's <see cref="Stopwatch"/> timestamp divided by the slice's length in ticks.</summary>
    public long Slice { get; }

    /// <summary>Signalled at the end of the slice, or when the link is given up.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The slice of a publish that started at <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp) with <paramref name="timeout"/>.</summary>
    public static long SliceOf(long started, TimeSpan timeout) => (started + ToTicks(timeout)) / SliceTicks(timeout);

    /// <summary>A new deadline for <paramref name="slice"/> on <paramref name="link"/>, signalled when the slice ends.</summary>
    public static PublishDeadline Start(PublishLink link, long slice, TimeSpan timeout, TimeProvider time)
    {
        long end = (slice + 1) * SliceTicks(timeout);
        long left = Math.Max(0, end - Stopwatch.GetTimestamp());

        // A timer counts whole milliseconds: one more, so that it never fires before the slice's end.
        TimeSpan delay = TimeSpan.FromSeconds(left / (double)Stopwatch.Frequency) + TimeSpan.FromMilliseconds(1);
        return new PublishDeadline(link, slice, delay, time);
    }

    private void Cancel() => _source.Cancel();

    private static long SliceTicks(TimeSpan timeout) => Math.Max(1, ToTicks(timeout) / SlicesPerTimeout);

    // At most 46 days: what a timer takes, and no overflow.
    private static long ToTicks(TimeSpan span) => (long)(Math.Min(span.TotalSeconds, 4e6) * Stopwatch.Frequency);
}
