using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// Where the runtime keeps what must outlive a delivery: queued messages (for a durable store), dead letters,
/// inbox keys and the outbox. The runtime calls it; a store package (for example <c>Contracts.Storage.Sqlite</c>)
/// implements it and is turned on with <see cref="ContractsOptions.UseStore"/>. Without one, an in-memory store
/// keeps dead letters and inbox keys for the life of the process only.
/// </summary>
public interface IMessageStore : IAsyncDisposable
{
    /// <summary>
    /// Whether messages survive a restart. When true, a send returns only after its records are committed, a
    /// message is removed only after its handler succeeded, and unfinished messages are delivered again at start.
    /// </summary>
    bool IsDurable { get; }

    /// <summary>Creates what the store needs (tables, files) and returns the highest queued sequence at this moment.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The highest <see cref="MessageRecord.Sequence"/> queued now; recovery reads up to it.</returns>
    ValueTask<long> InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="records"/> in one commit and sets their <see cref="MessageRecord.Sequence"/>.</summary>
    /// <param name="records">The records, one per endpoint the message goes to.</param>
    /// <param name="cancellationToken">Cancels the wait (the records may still be committed).</param>
    /// <returns>Completes once the records are committed.</returns>
    ValueTask EnqueueAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken);

    /// <summary>Reads queued records with a sequence above <paramref name="afterSequence"/> and at most <paramref name="upToSequence"/>, in order.</summary>
    /// <param name="afterSequence">Exclusive lower bound.</param>
    /// <param name="upToSequence">Inclusive upper bound.</param>
    /// <param name="limit">The most records to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    ValueTask<IReadOnlyList<MessageRecord>> ReadQueuedAsync(long afterSequence, long upToSequence, int limit, CancellationToken cancellationToken);

    /// <summary>Removes a handled message and, when <paramref name="inboxKey"/> is given, records the key in the inbox of its endpoint.</summary>
    /// <param name="endpoint">The endpoint that handled the message.</param>
    /// <param name="record">The stored record, or <see langword="null"/> when the message was never stored.</param>
    /// <param name="inboxKey">The key to record, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask CompleteAsync(string endpoint, MessageRecord? record, string? inboxKey, CancellationToken cancellationToken);

    /// <summary>Saves a failed record's new <see cref="MessageRecord.Attempt"/>, <see cref="MessageRecord.DueAt"/> and failure details.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask RescheduleAsync(MessageRecord record, CancellationToken cancellationToken);

    /// <summary>Adds a dead letter and, in the same commit, removes its queued record when it was stored.</summary>
    /// <param name="letter">The dead letter; its <see cref="DeadLetter.Id"/> is set.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="key"/> was recorded for <paramref name="endpoint"/> (and not yet cleaned up).</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="key">The idempotency key (or message id).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Whether a message with this key was already handled there.</returns>
    ValueTask<bool> IsInInboxAsync(string endpoint, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a transaction in which a handler's own work, the inbox key and the removal of the message commit
    /// together, or <see langword="null"/> when the store cannot (the runtime then records the key after success).
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The transaction, or <see langword="null"/>.</returns>
    ValueTask<IConsumeTransaction?> BeginConsumeAsync(CancellationToken cancellationToken);

    /// <summary>Removes inbox keys recorded and outbox records relayed before <paramref name="before"/>.</summary>
    /// <param name="before">The retention cut-off.</param>
    /// <param name="cancellationToken">Cancels the clean-up.</param>
    /// <returns>How many rows were removed.</returns>
    ValueTask<int> CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Dead letters, oldest first.</summary>
    /// <param name="afterId">Only dead letters with a larger id (0 for the first page).</param>
    /// <param name="limit">The most to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letters.</returns>
    ValueTask<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>One dead letter, or <see langword="null"/>.</summary>
    /// <param name="id">Its id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letter.</returns>
    ValueTask<DeadLetter?> FindDeadLetterAsync(long id, CancellationToken cancellationToken);

    /// <summary>
    /// Removes dead letter <paramref name="id"/> and, for a durable store, queues <paramref name="requeued"/> in the
    /// same commit (setting its sequence). Returns false when the dead letter no longer exists.
    /// </summary>
    /// <param name="id">The dead letter.</param>
    /// <param name="requeued">The message to deliver again.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether the dead letter existed.</returns>
    ValueTask<bool> ReplayDeadLetterAsync(long id, MessageRecord requeued, CancellationToken cancellationToken);

    /// <summary>Deletes dead letters that last failed before <paramref name="failedBefore"/>, or all of them.</summary>
    /// <param name="failedBefore">The cut-off, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    /// <returns>How many were deleted.</returns>
    ValueTask<int> PurgeDeadLettersAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken);

    /// <summary>Outbox records not yet relayed, oldest first (empty for a store without an outbox).</summary>
    /// <param name="limit">The most to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    ValueTask<IReadOnlyList<MessageRecord>> ReadOutboxAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Marks outbox records as relayed.</summary>
    /// <param name="records">The records.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask MarkRelayedAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken);
}

/// <summary>
/// A store transaction around one delivery (<see cref="DeliveryMode.EffectivelyOnce"/>): the handler's own work
/// on the same database, the inbox key and the removal of the message commit together. Disposing without
/// <see cref="CommitAsync"/> rolls back.
/// </summary>
public interface IConsumeTransaction : IAsyncDisposable
{
    /// <summary>Whether <paramref name="key"/> is already in the inbox of <paramref name="endpoint"/>, read inside the transaction.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Whether the key was recorded.</returns>
    ValueTask<bool> IsInInboxAsync(string endpoint, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Stores messages the handler sends or publishes in this transaction (setting their sequence), so they exist
    /// only if the handler's work commits; the runtime queues them in memory after the commit.
    /// </summary>
    /// <param name="records">The records, one per endpoint.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when written (not yet committed).</returns>
    ValueTask EnqueueAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a message the handler sends to the outbox in this transaction (on a broker transport): it exists only if
    /// the handler's work commits, and the outbox relay publishes it after the commit.
    /// </summary>
    /// <param name="record">The message, not yet routed (<see cref="MessageRecord.Endpoint"/> is empty).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when written (not yet committed).</returns>
    ValueTask WriteOutboxAsync(MessageRecord record, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="inboxKey"/> (when given), removes <paramref name="record"/> (when stored) and commits.</summary>
    /// <exception cref="DuplicateMessageException">The key was recorded by another delivery meanwhile; nothing was committed.</exception>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="record">The stored record, or <see langword="null"/>.</param>
    /// <param name="inboxKey">The key, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask CommitAsync(string endpoint, MessageRecord? record, string? inboxKey, CancellationToken cancellationToken);
}

/// <summary>Writes outbox records inside the caller's database transaction; see <see cref="OutboxExtensions.Outbox"/>.</summary>
public interface IOutboxWriter
{
    /// <summary>Adds <paramref name="record"/> to the outbox in the caller's transaction.</summary>
    /// <param name="record">The message, not yet routed (<see cref="MessageRecord.Endpoint"/> is empty).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the row is written (it becomes visible when the caller commits).</returns>
    ValueTask WriteAsync(MessageRecord record, CancellationToken cancellationToken);
}

/// <summary>Thrown by <see cref="IConsumeTransaction.CommitAsync"/> when another delivery recorded the same inbox key first: the work is rolled back.</summary>
public sealed class DuplicateMessageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="key">The inbox key.</param>
    /// <param name="innerException">The store's constraint error.</param>
    public DuplicateMessageException(string endpoint, string key, Exception? innerException = null)
        : base($"Key '{key}' is already in the inbox of endpoint '{endpoint}': another delivery of the same message committed first, so this one was rolled back.", innerException)
    {
        Endpoint = endpoint;
        Key = key;
    }

    /// <summary>The endpoint.</summary>
    public string Endpoint { get; }

    /// <summary>The inbox key.</summary>
    public string Key { get; }
}
