namespace Contracts.Scheduling;

/// <summary>
/// What a recurring schedule does with occurrences that passed while no bus was running (a downtime, a deploy): an
/// occurrence found more than <see cref="ScheduleOptions.MissedAfter"/> after its due time is missed. A one-off
/// (<see cref="Schedule.At"/>) always fires, however late.
/// </summary>
public enum MissedFirings
{
    /// <summary>One catch-up firing for all the missed occurrences (the latest of them), then on schedule. The default.</summary>
    FireOnce = 0,

    /// <summary>No firing for missed occurrences: the schedule goes on with its next occurrence.</summary>
    Skip = 1,

    /// <summary>
    /// A firing for every missed occurrence, oldest first, at most <see cref="ScheduleOptions.MaxCatchUpFirings"/>
    /// of them (the latest ones; older ones are skipped and logged).
    /// </summary>
    FireAll = 2,
}
