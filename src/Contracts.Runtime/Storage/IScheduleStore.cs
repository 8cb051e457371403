using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// The schedule role: recurring and one-off scheduled commands, one row per schedule with its next due time. A firing
/// is a compare-and-swap on that due time which writes the command's outbox rows and advances (or removes) the schedule
/// in one commit, so of several processes sharing the database exactly one fires each occurrence, and a process that
/// dies mid-firing leaves either both or neither. Every store passes the schedule tests of the store compliance suite.
/// </summary>
public interface IScheduleStore
{
    /// <summary>
    /// Stores <paramref name="record"/>, replacing a schedule of the same id. With <paramref name="keepDue"/>, a stored
    /// schedule whose <see cref="ScheduleRecord.Recurrence"/> is unchanged keeps its <see cref="ScheduleRecord.NextDue"/>
    /// (a declared schedule re-written at every start, so occurrences missed during a downtime are still found).
    /// </summary>
    /// <param name="record">The schedule.</param>
    /// <param name="keepDue">Keep the stored due time when the recurrence is the same.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask SaveAsync(ScheduleRecord record, bool keepDue, CancellationToken cancellationToken);

    /// <summary>The schedule <paramref name="id"/>, or <see langword="null"/>.</summary>
    /// <param name="id">The schedule's id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The schedule.</returns>
    ValueTask<ScheduleRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> schedules due at or before <paramref name="now"/>, earliest first.</summary>
    /// <param name="now">The time.</param>
    /// <param name="limit">The most rows.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The due schedules.</returns>
    ValueTask<IReadOnlyList<ScheduleRecord>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Fires the occurrence due at <paramref name="due"/> of schedule <paramref name="id"/>, if that is still its
    /// stored due time: in one commit, writes <paramref name="outbox"/> to the outbox and moves the schedule to
    /// <paramref name="next"/> (removes it when <see langword="null"/>). Two processes firing one occurrence at once:
    /// exactly one gets <see langword="true"/>.
    /// </summary>
    /// <param name="id">The schedule's id.</param>
    /// <param name="due">The due time read with the schedule.</param>
    /// <param name="next">The next due time, or <see langword="null"/> when the schedule is done.</param>
    /// <param name="outbox">The firing's messages (none when the caller sends them itself, on a store that is not durable).</param>
    /// <param name="cancellationToken">Cancels the firing (it may still have committed).</param>
    /// <returns>Whether this call fired it; <see langword="false"/> when another did, or the schedule was changed or cancelled.</returns>
    ValueTask<bool> FireAsync(string id, DateTimeOffset due, DateTimeOffset? next, IReadOnlyList<MessageRecord> outbox, CancellationToken cancellationToken);

    /// <summary>Removes schedule <paramref name="id"/>.</summary>
    /// <param name="id">The schedule's id.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>Whether there was one to remove.</returns>
    ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken);

    /// <summary>Schedules by id (ordinal), for inspection.</summary>
    /// <param name="offset">How many to skip.</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page.</returns>
    ValueTask<IReadOnlyList<ScheduleRecord>> ListAsync(int offset, int limit, CancellationToken cancellationToken);
}
