using System;
using Contracts.Scheduling;

namespace Contracts.Storage;

/// <summary>One stored schedule: what it sends, when (its <see cref="Schedule.Spec"/>), and its next due time.</summary>
/// <param name="Id">The schedule's id, chosen by the application (unique per store).</param>
/// <param name="ContractName">The command's contract name.</param>
/// <param name="ContractVersion">The command's contract version.</param>
/// <param name="Payload">
/// The serialized command; empty for a schedule declared with a factory (<see cref="ScheduleOptions"/>), whose command
/// the firing process makes.
/// </param>
/// <param name="Recurrence">The schedule's stored form (<see cref="Schedule.Spec"/>).</param>
/// <param name="NextDue">The due time of the next occurrence, to the millisecond: the key of the firing's compare-and-swap.</param>
/// <param name="Missed">What to do with missed occurrences.</param>
/// <param name="MaxCatchUp">The most catch-up firings with <see cref="MissedFirings.FireAll"/>.</param>
/// <param name="UpdatedAt">When the schedule was last written.</param>
public sealed record ScheduleRecord(
    string Id,
    string ContractName,
    int ContractVersion,
    ReadOnlyMemory<byte> Payload,
    string Recurrence,
    DateTimeOffset NextDue,
    MissedFirings Missed,
    int MaxCatchUp,
    DateTimeOffset UpdatedAt);
