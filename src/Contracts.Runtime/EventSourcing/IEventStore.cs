using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.EventSourcing;

/// <summary>
/// The event store: append-only streams of the application's <see cref="EventAttribute"/> contracts, kept in the
/// bus's store (in memory by default, SQLite with <c>UseSqlite</c>, PostgreSQL with <c>UsePostgres</c>) with their
/// generated formatters. Appends check an <see cref="ExpectedVersion"/> (optimistic concurrency); every event gets a
/// version in its stream and a global position with no gaps, so a reader can follow the whole log in order and resume
/// from where it stopped. Injected as a singleton by <c>AddContracts</c>; usable once the bus has started.
/// </summary>
public interface IEventStore
{
    /// <summary>Appends <paramref name="events"/> to <paramref name="streamId"/> as one unit: all or none.</summary>
    /// <param name="streamId">The stream, for example <c>order-42</c>.</param>
    /// <param name="expected">The version the caller read (or <see cref="ExpectedVersion.NoStream"/>, <see cref="ExpectedVersion.Any"/>).</param>
    /// <param name="events">At least one event.</param>
    /// <param name="options">Correlation, causation and headers; <see cref="AppendOptions.From"/> takes them from a handler's context.</param>
    /// <param name="cancellationToken">Cancels the append (it then happened entirely or not at all).</param>
    /// <returns>The stream's version after the append: the version of its last event.</returns>
    /// <exception cref="WrongExpectedVersionException">Another writer appended first.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    /// <exception cref="StreamArchivedException">The stream was archived.</exception>
    /// <exception cref="System.InvalidOperationException">The bus is not started.</exception>
    ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<IEvent> events, AppendOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Reads <paramref name="streamId"/> oldest first, from version <paramref name="fromVersion"/>.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="fromVersion">The first version to read (1: from the start).</param>
    /// <param name="maxCount">At most this many events.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events; none for a stream that does not exist.</returns>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    IAsyncEnumerable<RecordedEvent> ReadStreamAsync(string streamId, long fromVersion = 1, long maxCount = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads <paramref name="streamId"/> oldest first, as <see cref="ReadStreamAsync(string, long, long, CancellationToken)"/>
    /// does, inside the consume transaction of the handler whose <paramref name="context"/> is given (an
    /// <see cref="DeliveryMode.EffectivelyOnce"/> handler or a saga step on SQLite or PostgreSQL): it sees what the handler
    /// appended so far. Without a consume transaction it reads what is committed. Consume the events before the handler
    /// returns.
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="context">The handler's context.</param>
    /// <param name="fromVersion">The first version to read (1: from the start).</param>
    /// <param name="maxCount">At most this many events.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events; none for a stream that does not exist.</returns>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    IAsyncEnumerable<RecordedEvent> ReadStreamAsync(string streamId, MessageContext context, long fromVersion = 1, long maxCount = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Reads <paramref name="streamId"/> newest first, from version <paramref name="fromVersion"/> down.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="fromVersion">The first version to read (<see cref="long.MaxValue"/>: from the last event).</param>
    /// <param name="maxCount">At most this many events.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events; none for a stream that does not exist.</returns>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    IAsyncEnumerable<RecordedEvent> ReadStreamBackwardsAsync(string streamId, long fromVersion = long.MaxValue, long maxCount = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Reads every stream's events in global order, from position <paramref name="fromPosition"/>.</summary>
    /// <param name="fromPosition">The first position to read (1: from the start).</param>
    /// <param name="maxCount">At most this many events.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events, deleted streams' included.</returns>
    IAsyncEnumerable<RecordedEvent> ReadAllAsync(long fromPosition = 1, long maxCount = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Follows the global log from <paramref name="fromPosition"/>: first every event already there (catch-up), then each
    /// new one as it is appended (live), in position order, until <paramref name="cancellationToken"/> ends it. Appends in
    /// this process wake it at once; others' too where the store hears of them (PostgreSQL's LISTEN/NOTIFY), and otherwise
    /// within <see cref="ContractsOptions.EventPollInterval"/>. To resume
    /// after a restart, save the position handled (<see cref="SaveCheckpointAsync"/>, or in the handler's own
    /// transaction) and start from the one after it; <see cref="CheckpointTracker"/> keeps that position right when events
    /// are handled in parallel.
    /// </summary>
    /// <param name="fromPosition">The first position to deliver (1: the whole log).</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <returns>The events, without end.</returns>
    IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(long fromPosition = 1, CancellationToken cancellationToken = default);

    /// <summary>
    /// Follows the global log as <see cref="SubscribeToAllAsync(long, CancellationToken)"/> does, from the first event
    /// recorded at or after <paramref name="from"/> (<see cref="FindPositionAsync"/>): catch-up from a time, then live.
    /// </summary>
    /// <param name="from">The earliest time to deliver.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <returns>The events, without end.</returns>
    IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(DateTimeOffset from, CancellationToken cancellationToken = default);

    /// <summary>
    /// The position of the first event recorded at or after <paramref name="from"/> (one past the head when there is
    /// none), by a binary search over the log: positions follow append order and so do their times, as far as the
    /// clocks of the processes that appended agree.
    /// </summary>
    /// <param name="from">The time.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The position.</returns>
    ValueTask<long> FindPositionAsync(DateTimeOffset from, CancellationToken cancellationToken = default);

    /// <summary>The position <paramref name="subscription"/> last saved (0 when none): resume from the one after it.</summary>
    /// <param name="subscription">The subscription's name, for example <c>order-summaries</c>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The saved position.</returns>
    ValueTask<long> ReadCheckpointAsync(string subscription, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves that <paramref name="subscription"/> has handled every event up to <paramref name="position"/>; a save of an
    /// older position than the stored one is ignored. Saved after the work it stands for, a crash in between repeats that
    /// work (at least once): make the handling idempotent.
    /// </summary>
    /// <param name="subscription">The subscription's name.</param>
    /// <param name="position">The last position handled, with every one before it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the checkpoint is stored.</returns>
    ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken = default);

    /// <summary>The version of <paramref name="streamId"/> (0 when it does not exist) and whether it was deleted.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Its state.</returns>
    ValueTask<StreamState> GetStreamAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>The global position of the last event appended (0 when there is none).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The head position.</returns>
    ValueTask<long> ReadHeadPositionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes <paramref name="streamId"/>: it takes no more events and reading it fails, while its events stay in the
    /// global log (positions never change; a projection rebuilt from position 1 still sees them).
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the caller read.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>Completes when the deletion is stored.</returns>
    /// <exception cref="WrongExpectedVersionException">Another writer appended first.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted already.</exception>
    ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes <paramref name="streamId"/> as <see cref="DeleteStreamAsync(string, ExpectedVersion, CancellationToken)"/>
    /// does, inside the consume transaction of the handler whose <paramref name="context"/> is given, where it has one: the
    /// deletion commits with the handler's work and its inbox key, or not at all. Without a consume transaction it is
    /// stored at once.
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the caller read.</param>
    /// <param name="context">The handler's context.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>Completes when the deletion is written.</returns>
    /// <exception cref="WrongExpectedVersionException">Another writer appended first.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted already.</exception>
    ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, MessageContext context, CancellationToken cancellationToken = default);

    /// <summary>
    /// Archives <paramref name="streamId"/>: it becomes read-only. Appends (and aggregate saves) fail with
    /// <see cref="StreamArchivedException"/>, while reads, aggregate loads and the global log see its events as before
    /// (<see cref="GetStreamAsync"/> reports it archived). For a stream whose life is over but whose history is kept: a
    /// closed account, a shipped order. Archiving an archived stream changes nothing; an archived stream may still be
    /// deleted.
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the caller read: archiving fails if another writer appended since.</param>
    /// <param name="cancellationToken">Cancels the archiving.</param>
    /// <returns>Completes when the archiving is stored.</returns>
    /// <exception cref="WrongExpectedVersionException">Another writer appended first.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken = default);

    /// <summary>
    /// Archives <paramref name="streamId"/> as <see cref="ArchiveStreamAsync(string, ExpectedVersion, CancellationToken)"/>
    /// does, inside the consume transaction of the handler whose <paramref name="context"/> is given, where it has one: the
    /// archiving commits with the handler's work (its last append, say) and its inbox key, or not at all. Without a consume
    /// transaction it is stored at once.
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the caller read (the handler's own appends included).</param>
    /// <param name="context">The handler's context.</param>
    /// <param name="cancellationToken">Cancels the archiving.</param>
    /// <returns>Completes when the archiving is written.</returns>
    /// <exception cref="WrongExpectedVersionException">Another writer appended first.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, MessageContext context, CancellationToken cancellationToken = default);
}
