using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Scheduling;

/// <summary>
/// Schedules commands at run time, kept in the store's schedule role: recurring ones (<see cref="ScheduleAsync{TCommand}"/>)
/// and one-off delayed ones (<see cref="SendAtAsync{TCommand}"/>), each under an id that <see cref="CancelAsync"/> takes.
/// Of several processes sharing a database, exactly one fires each occurrence: the command is written to the outbox and
/// the schedule advanced in one commit (a store that is not durable sends it at once instead). The command is then
/// delivered at least once, under a message id made from the schedule id and the occurrence's due time, so an inbox
/// drops a re-delivery. See docs/schedules.md.
/// </summary>
public interface IMessageScheduler
{
    /// <summary>
    /// Schedules <paramref name="command"/> to be sent at every occurrence of <paramref name="schedule"/>, replacing a
    /// schedule of the same id (its next due time is computed anew).
    /// </summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="id">The schedule's id, unique in the store.</param>
    /// <param name="schedule">When.</param>
    /// <param name="command">The command, stored serialized; every occurrence sends the same one.</param>
    /// <param name="missed">What to do with occurrences missed while no bus ran (a one-off always fires).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The first due time.</returns>
    /// <exception cref="ArgumentException">The id is empty or too long.</exception>
    /// <exception cref="InvalidOperationException">The bus is not started, or has stopped.</exception>
    ValueTask<DateTimeOffset> ScheduleAsync<TCommand>(string id, Schedule schedule, TCommand command, MissedFirings missed = MissedFirings.FireOnce, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>;

    /// <summary>
    /// Sends <paramref name="command"/> once, at <paramref name="at"/> (at once if that has passed): a delayed send that
    /// survives a restart with a durable store and can be cancelled by the id returned.
    /// </summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="at">When to send it.</param>
    /// <param name="id">The id to cancel it by; a new one (a GUID) when not given. An id in use is replaced.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The id.</returns>
    /// <exception cref="InvalidOperationException">The bus is not started, or has stopped.</exception>
    ValueTask<string> SendAtAsync<TCommand>(TCommand command, DateTimeOffset at, string? id = null, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>;

    /// <summary>
    /// Cancels schedule <paramref name="id"/>: no occurrence fires after this returns <see langword="true"/>. An
    /// occurrence already fired is not taken back (its command is in the outbox or on its way). A declared schedule
    /// (<see cref="ScheduleOptions"/>) is written again at the next start: remove its declaration to end it for good.
    /// </summary>
    /// <param name="id">The schedule's id.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>
    /// <see langword="true"/> when the schedule was pending and is now removed; <see langword="false"/> when there is
    /// none under that id (never scheduled, cancelled before, or a one-off that has already fired).
    /// </returns>
    ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Schedule <paramref name="id"/>, or <see langword="null"/> when there is none.</summary>
    /// <param name="id">The schedule's id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The schedule and its next due time.</returns>
    ValueTask<ScheduledCommand?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The stored schedules by id, a page at a time.</summary>
    /// <param name="offset">How many to skip.</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page.</returns>
    ValueTask<IReadOnlyList<ScheduledCommand>> ListAsync(int offset = 0, int limit = 100, CancellationToken cancellationToken = default);
}
