using System;
using System.Collections.Generic;
using System.Threading;

namespace Contracts.EventSourcing;

/// <summary>
/// The checkpoint of a subscription whose events are handled in parallel: positions complete in any order, and
/// <see cref="Checkpoint"/> advances only over a contiguous run of completed positions, so a restart from the saved
/// checkpoint never skips an event that was still being handled (it may repeat some that finished after it).
/// Every delivered position must be completed, including the events a subscriber ignores.
/// </summary>
public sealed class CheckpointTracker
{
    private readonly Lock _gate = new();
    private readonly HashSet<long> _ahead = [];
    private long _checkpoint;

    /// <summary>Starts at <paramref name="checkpoint"/>: every position up to it is done (0: none).</summary>
    /// <param name="checkpoint">The saved checkpoint the subscription resumed from.</param>
    public CheckpointTracker(long checkpoint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(checkpoint);
        _checkpoint = checkpoint;
    }

    /// <summary>The highest position such that it and every position before it have completed.</summary>
    public long Checkpoint => Volatile.Read(ref _checkpoint);

    /// <summary>Records that <paramref name="position"/> was handled.</summary>
    /// <param name="position">The event's position.</param>
    /// <returns>True when <see cref="Checkpoint"/> moved (a good moment to save it).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is not positive.</exception>
    public bool Complete(long position)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(position, 1);
        lock (_gate)
        {
            long checkpoint = _checkpoint;
            if (position <= checkpoint)
            {
                return false; // a repeat after a resume: already counted
            }

            if (position != checkpoint + 1)
            {
                _ahead.Add(position);
                return false;
            }

            checkpoint = position;
            while (_ahead.Remove(checkpoint + 1))
            {
                checkpoint++;
            }

            Volatile.Write(ref _checkpoint, checkpoint);
            return true;
        }
    }
}
