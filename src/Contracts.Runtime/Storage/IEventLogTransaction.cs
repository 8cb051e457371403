using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;

namespace Contracts.Storage;

/// <summary>
/// One transaction on the event log's database (<see cref="IEventLogStore.BeginTransactionAsync"/>): an append, a
/// subscriber's own writes to the same database (a projection's read model) and its checkpoint commit together or not
/// at all. Store packages give the underlying database transaction a typed accessor (SQLite:
/// <c>GetSqliteTransaction()</c>, PostgreSQL: <c>GetPostgresTransaction()</c>). Disposing without
/// <see cref="CommitAsync"/> rolls back.
/// </summary>
public interface IEventLogTransaction : IAsyncDisposable
{
    /// <summary>
    /// Appends as <see cref="IEventLogStore.AppendAsync"/> does, inside this transaction: the positions are set on the
    /// records at once and hold if the transaction commits. Other appends wait until it ends.
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the stream must be at.</param>
    /// <param name="events">At least one event.</param>
    /// <param name="publish">Outbox rows to commit with the events, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the append.</param>
    /// <returns>The stream's version after the append.</returns>
    /// <exception cref="WrongExpectedVersionException">The stream is at another version.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    /// <exception cref="StreamArchivedException">The stream was archived.</exception>
    ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken);

    /// <summary>Reads as <see cref="IEventLogStore.ReadStreamAsync"/> does, inside this transaction: what it appended is seen.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="fromVersion">The first version to read; backwards, <see cref="long.MaxValue"/> starts at the last event.</param>
    /// <param name="direction">Forwards or backwards.</param>
    /// <param name="maxCount">At most this many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events; empty past the end, or for a stream that does not exist.</returns>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    ValueTask<IReadOnlyList<EventRecord>> ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken);

    /// <summary>Deletes a stream as <see cref="IEventLogStore.DeleteStreamAsync"/> does, inside this transaction.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the stream must be at (this transaction's appends included).</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>Completes when written (not yet committed).</returns>
    /// <exception cref="WrongExpectedVersionException">The stream is at another version.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted already.</exception>
    /// <exception cref="System.NotSupportedException">The store cannot delete streams in a transaction.</exception>
    ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) =>
        throw new System.NotSupportedException($"The event-log transaction {GetType().Name} cannot delete streams: use the SQLite or PostgreSQL store.");

    /// <summary>Archives a stream as <see cref="IEventLogStore.ArchiveStreamAsync"/> does, inside this transaction.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the stream must be at (this transaction's appends included).</param>
    /// <param name="cancellationToken">Cancels the archiving.</param>
    /// <returns>Completes when written (not yet committed).</returns>
    /// <exception cref="WrongExpectedVersionException">The stream is at another version.</exception>
    /// <exception cref="StreamDeletedException">The stream was deleted.</exception>
    /// <exception cref="System.NotSupportedException">The store cannot archive streams in a transaction.</exception>
    ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) =>
        throw new System.NotSupportedException($"The event-log transaction {GetType().Name} cannot archive streams: use the SQLite or PostgreSQL store.");

    /// <summary>Saves a subscription's checkpoint in this transaction (an older position never replaces a newer one).</summary>
    /// <param name="subscription">The subscription's name.</param>
    /// <param name="position">The position handled, with every one before it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when written (not yet committed).</returns>
    ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken);

    /// <summary>Removes a subscription's checkpoint in this transaction: it starts again from position 1 (a rebuild).</summary>
    /// <param name="subscription">The subscription's name.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when written (not yet committed).</returns>
    ValueTask ResetCheckpointAsync(string subscription, CancellationToken cancellationToken);

    /// <summary>Commits everything written in the transaction.</summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask CommitAsync(CancellationToken cancellationToken);
}
