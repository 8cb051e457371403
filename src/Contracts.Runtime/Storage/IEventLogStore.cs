using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;

namespace Contracts.Storage;

/// <summary>
/// The event log role of a store: append-only streams of serialized events with optimistic concurrency, and one
/// global, gap-free order across them. <see cref="IEventStore"/> is the typed API over it; every store passes the
/// event-log part of the store compliance suite.
/// </summary>
public partial interface IEventLogStore
{
    /// <summary>
    /// Appends <paramref name="events"/> to <paramref name="streamId"/> as one unit: all of them or none. Sets each
    /// record's <see cref="EventRecord.StreamVersion"/>, <see cref="EventRecord.Position"/> and
    /// <see cref="EventRecord.RecordedAt"/>. Positions are consecutive, and an append that fails takes none.
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the stream must be at.</param>
    /// <param name="events">At least one event.</param>
    /// <param name="publish">
    /// Outbox rows to commit in the same transaction (the events as messages, for the bus's subscribers), or
    /// <see langword="null"/>: the events and their publication are stored together or not at all.
    /// </param>
    /// <param name="cancellationToken">Cancels the append (it then happened entirely or not at all).</param>
    /// <returns>The stream's version after the append.</returns>
    /// <exception cref="WrongExpectedVersionException">The stream is at another version.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    /// <exception cref="StreamArchivedException">The stream was archived.</exception>
    ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="maxCount"/> events of <paramref name="streamId"/>: forwards from version
    /// <paramref name="fromVersion"/> (inclusive, ascending), or backwards from it (inclusive, descending).
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="fromVersion">The first version to read; backwards, <see cref="long.MaxValue"/> starts at the last event.</param>
    /// <param name="direction">Forwards or backwards.</param>
    /// <param name="maxCount">At most this many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events; empty past the end, or for a stream that does not exist.</returns>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    ValueTask<IReadOnlyList<EventRecord>> ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="maxCount"/> events of every stream, in global order, from <paramref name="fromPosition"/> (inclusive).</summary>
    /// <param name="fromPosition">The first position to read (1 is the first event).</param>
    /// <param name="maxCount">At most this many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events; deleted streams' events included.</returns>
    ValueTask<IReadOnlyList<EventRecord>> ReadAllAsync(long fromPosition, int maxCount, CancellationToken cancellationToken);

    /// <summary>The version and state of <paramref name="streamId"/>.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Its state; version 0 when it does not exist.</returns>
    ValueTask<StreamState> GetStreamAsync(string streamId, CancellationToken cancellationToken);

    /// <summary>The position of the last event appended, 0 when there is none.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The head position.</returns>
    ValueTask<long> ReadHeadPositionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes <paramref name="streamId"/>: it takes no more events and its reads fail, while its events stay in the
    /// global log (positions never change, and a rebuild from position 1 still sees them).
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the stream must be at.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>Completes when the deletion is stored.</returns>
    /// <exception cref="WrongExpectedVersionException">The stream is at another version.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted already.</exception>
    ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken);

    /// <summary>
    /// Archives <paramref name="streamId"/>: it takes no more events (appends fail with <see cref="StreamArchivedException"/>),
    /// while it reads as before and its events stay in the global log. Archiving an archived stream changes nothing; an
    /// archived stream may still be deleted. A stream that does not exist is archived empty (when
    /// <paramref name="expected"/> allows it), so it can never be started.
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the stream must be at.</param>
    /// <param name="cancellationToken">Cancels the archiving.</param>
    /// <returns>Completes when the archiving is stored.</returns>
    /// <exception cref="WrongExpectedVersionException">The stream is at another version.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    /// <exception cref="System.NotSupportedException">The store cannot archive streams.</exception>
    ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) =>
        throw new System.NotSupportedException($"The event log {GetType().Name} cannot archive streams: use the in-memory, SQLite or PostgreSQL store.");

    /// <summary>The position a subscription last saved (0 when it has saved none): it resumes after it.</summary>
    /// <param name="subscription">The subscription's name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The saved position.</returns>
    ValueTask<long> ReadCheckpointAsync(string subscription, CancellationToken cancellationToken);

    /// <summary>Saves the position up to which a subscription has handled every event (an older one never replaces a newer one).</summary>
    /// <param name="subscription">The subscription's name.</param>
    /// <param name="position">The position handled, with every one before it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the checkpoint is stored.</returns>
    ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a transaction in which appends, a subscriber's own writes on the same database and its checkpoint commit
    /// together (inline projections, and asynchronous ones whose read model lives in the store's database). A store
    /// without it throws, and a bus with projections refuses to start on it, naming the store.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="System.NotSupportedException">The store has no event-log transactions.</exception>
    ValueTask<IEventLogTransaction> BeginTransactionAsync(CancellationToken cancellationToken) =>
        throw new System.NotSupportedException($"The event log {GetType().Name} has no transactions: use the in-memory, SQLite or PostgreSQL store for projections.");

    /// <summary>
    /// Starts an event-log transaction inside a delivery's consume transaction (an <see cref="DeliveryMode.EffectivelyOnce"/>
    /// handler's or a saga step's): its reads see what the consume transaction wrote so far, and its appends, their
    /// publications and the inline projections' writes commit with the delivery's own work and its inbox key, or not at
    /// all. <see cref="IEventLogTransaction.CommitAsync"/> keeps its work in the consume transaction; disposing without
    /// it undoes that work only (a savepoint), so a handler that catches a failed append can go on.
    /// </summary>
    /// <param name="transaction">The delivery's consume transaction, begun by this store.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="System.NotSupportedException">The store cannot join its event log to a consume transaction.</exception>
    ValueTask<IEventLogTransaction> JoinAsync(IConsumeTransaction transaction, CancellationToken cancellationToken) =>
        throw new System.NotSupportedException(
            $"The event log {GetType().Name} cannot join a consume transaction: append outside EffectivelyOnce handlers and saga steps, or use the SQLite or PostgreSQL store.");
}
