using System;

namespace Contracts.Scheduling;

/// <summary>A stored schedule, as <see cref="IMessageScheduler"/> shows it.</summary>
/// <param name="Id">The schedule's id.</param>
/// <param name="Contract">The command's contract name.</param>
/// <param name="Schedule">When it fires (its stored form, <see cref="Schedule.Spec"/>, when this process cannot read it).</param>
/// <param name="NextDue">The due time of its next occurrence.</param>
/// <param name="Missed">What it does with missed occurrences.</param>
public sealed record ScheduledCommand(string Id, string Contract, string Schedule, DateTimeOffset NextDue, MissedFirings Missed);
