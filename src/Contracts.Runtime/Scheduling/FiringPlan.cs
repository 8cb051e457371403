using System;
using System.Collections.Generic;

namespace Contracts.Scheduling;

/// <summary>
/// Which occurrences of a due schedule fire now, by its <see cref="MissedFirings"/> policy, and its next due time. A
/// pure function of the schedule, its stored due time and the clock, so it is tested without a bus.
/// </summary>
/// <param name="Fire">The occurrences to fire, oldest first.</param>
/// <param name="Next">The first occurrence after now, or <see langword="null"/> when the schedule is done.</param>
/// <param name="Skipped">How many missed occurrences the policy skips.</param>
internal sealed record FiringPlan(IReadOnlyList<DateTimeOffset> Fire, DateTimeOffset? Next, int Skipped)
{
    /// <summary>Past this many occurrences in one look the rest are skipped (a 1 ms interval after a long downtime).</summary>
    private const int MaxLook = 1_000_000;

    /// <summary>Plans the firing of a schedule due at <paramref name="due"/> (no later than <paramref name="now"/>).</summary>
    public static FiringPlan For(Schedule schedule, DateTimeOffset due, DateTimeOffset now, MissedFirings missed, int maxCatchUp, TimeSpan missedAfter)
    {
        if (schedule.IsOnce)
        {
            return new FiringPlan([due], null, 0); // a one-off always fires, however late
        }

        // The latest missed occurrences (a ring of maxCatchUp), and those found in time, oldest first.
        int keep = Math.Max(1, maxCatchUp);
        var late = new DateTimeOffset[keep];
        int lateCount = 0;
        var onTime = new List<DateTimeOffset>();
        DateTimeOffset? occurrence = due;
        int looked = 0;
        while (occurrence is { } at && at <= now && looked < MaxLook)
        {
            if (now - at > missedAfter)
            {
                late[lateCount % keep] = at;
                lateCount++;
            }
            else
            {
                onTime.Add(at);
            }

            looked++;
            occurrence = schedule.NextAfter(at);
        }

        DateTimeOffset? next = occurrence is { } n && n > now ? n : schedule.NextAfter(now);
        int kept = Math.Min(lateCount, keep);
        var fire = new List<DateTimeOffset>(onTime.Count + kept);
        int skipped;
        switch (missed)
        {
            case MissedFirings.Skip:
                skipped = lateCount;
                break;
            case MissedFirings.FireAll:
                for (int i = lateCount - kept; i < lateCount; i++)
                {
                    fire.Add(late[i % keep]);
                }

                skipped = lateCount - kept;
                break;
            default:
                if (lateCount > 0)
                {
                    fire.Add(late[(lateCount - 1) % keep]);
                }

                skipped = Math.Max(0, lateCount - 1);
                break;
        }

        fire.AddRange(onTime);
        return new FiringPlan(fire, next, skipped);
    }
}
