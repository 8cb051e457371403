using System;
using System.Collections.Generic;

namespace Contracts.Scheduling;

/// <summary>
/// The recurring schedules declared at start (<c>o.Schedules.Add(...)</c>) and how schedules are run. A declared
/// schedule is written to the store at every start (keeping its next due time while its recurrence is unchanged, so
/// occurrences missed during a downtime are found); schedules made at run time go through <see cref="IMessageScheduler"/>.
/// </summary>
public sealed class ScheduleOptions
{
    private readonly List<DeclaredSchedule> _declared = [];

    /// <summary>How often a bus asks the store for due schedules: the precision of a firing. Default 1 second.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How late an occurrence may be found and still count as on time (not missed, so <see cref="MissedFirings"/> does
    /// not apply): a bus that was busy, or a poll that came late. Default 1 minute.
    /// </summary>
    public TimeSpan MissedAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most catch-up firings of one schedule with <see cref="MissedFirings.FireAll"/>. Default 10.</summary>
    public int MaxCatchUpFirings { get; set; } = 10;

    /// <summary>The schedules declared here.</summary>
    internal IReadOnlyList<DeclaredSchedule> Declared => _declared;

    /// <summary>Declares a recurring schedule that sends the command <paramref name="command"/> makes, at every occurrence.</summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="id">The schedule's id, unique in the store (several processes declaring the same id share one schedule).</param>
    /// <param name="schedule">When: <see cref="Schedule.Cron"/> or <see cref="Schedule.Every"/>.</param>
    /// <param name="command">Makes the command, in the process that fires the occurrence.</param>
    /// <param name="missed">What to do with occurrences missed while no bus ran.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentException">The id is empty, too long or declared twice, or the schedule fires only once.</exception>
    public ScheduleOptions Add<TCommand>(string id, Schedule schedule, Func<TCommand> command, MissedFirings missed = MissedFirings.FireOnce)
        where TCommand : class, ICommand, IContract<TCommand>
    {
        ArgumentNullException.ThrowIfNull(command);
        return Add(id, schedule, TCommand.Contract, _ => command(), missed);
    }

    /// <summary>
    /// Declares a recurring schedule that sends the command <paramref name="command"/> makes for each occurrence, given
    /// the occurrence's due time (for example the day a nightly report covers).
    /// </summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="id">The schedule's id, unique in the store (several processes declaring the same id share one schedule).</param>
    /// <param name="schedule">When: <see cref="Schedule.Cron"/> or <see cref="Schedule.Every"/>.</param>
    /// <param name="command">Makes the command of the occurrence due at the given time, in the process that fires it.</param>
    /// <param name="missed">What to do with occurrences missed while no bus ran.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentException">The id is empty, too long or declared twice, or the schedule fires only once.</exception>
    public ScheduleOptions Add<TCommand>(string id, Schedule schedule, Func<DateTimeOffset, TCommand> command, MissedFirings missed = MissedFirings.FireOnce)
        where TCommand : class, ICommand, IContract<TCommand>
    {
        ArgumentNullException.ThrowIfNull(command);
        return Add(id, schedule, TCommand.Contract, due => command(due), missed);
    }

    private ScheduleOptions Add(string id, Schedule schedule, ContractDescriptor contract, Func<DateTimeOffset, object> make, MissedFirings missed)
    {
        ScheduleIds.Validate(id);
        ArgumentNullException.ThrowIfNull(schedule);
        if (schedule.IsOnce)
        {
            throw new ArgumentException(
                $"Schedule '{id}' fires once ({schedule}); a declared schedule recurs, and would fire again after every start. " +
                "Send a one-off with IMessageScheduler.SendAtAsync instead.", nameof(schedule));
        }

        if (!Enum.IsDefined(missed))
        {
            throw new ArgumentOutOfRangeException(nameof(missed), missed, $"Schedule '{id}': {missed} is not a MissedFirings value.");
        }

        foreach (DeclaredSchedule declared in _declared)
        {
            if (declared.Id == id)
            {
                throw new ArgumentException($"A schedule '{id}' is declared twice; each schedule needs its own id.", nameof(id));
            }
        }

        _declared.Add(new DeclaredSchedule(id, schedule, contract, make, missed));
        return this;
    }

    /// <summary>Refuses settings that cannot work, naming the option.</summary>
    internal void Validate()
    {
        if (PollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, $"ContractsOptions.Schedules.PollInterval must be positive (it is {PollInterval}).");
        }

        if (MissedAfter < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MissedAfter), MissedAfter, $"ContractsOptions.Schedules.MissedAfter must not be negative (it is {MissedAfter}).");
        }

        if (MaxCatchUpFirings < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCatchUpFirings), MaxCatchUpFirings, $"ContractsOptions.Schedules.MaxCatchUpFirings must be at least 1 (it is {MaxCatchUpFirings}).");
        }
    }
}

/// <summary>A schedule declared at start: its command is made by the firing process.</summary>
internal sealed record DeclaredSchedule(string Id, Schedule Schedule, ContractDescriptor Contract, Func<DateTimeOffset, object> Make, MissedFirings Missed);

/// <summary>What a schedule id may be.</summary>
internal static class ScheduleIds
{
    public const int MaxLength = 200;

    public static void Validate(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (id.Length > MaxLength)
        {
            throw new ArgumentException($"A schedule id has at most {MaxLength} characters; '{id[..40]}...' has {id.Length}.", nameof(id));
        }
    }
}
