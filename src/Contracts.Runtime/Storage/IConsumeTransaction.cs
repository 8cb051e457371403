using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// A store transaction around one delivery (<see cref="DeliveryMode.EffectivelyOnce"/>): the handler's own work
/// on the same database, the messages it sends (to the outbox) and the inbox key commit together. Disposing without
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
    /// Adds a message the handler sends to the outbox in this transaction (on a broker transport): it exists only if
    /// the handler's work commits, and the outbox relay publishes it after the commit.
    /// </summary>
    /// <param name="record">The message, not yet routed (<see cref="MessageRecord.Endpoint"/> is empty).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when written (not yet committed).</returns>
    ValueTask WriteOutboxAsync(MessageRecord record, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="inboxKey"/> for <paramref name="endpoint"/> and commits.</summary>
    /// <exception cref="DuplicateMessageException">The key was recorded by another delivery meanwhile; nothing was committed.</exception>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="inboxKey">The key.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask CommitAsync(string endpoint, string inboxKey, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="error"/>, which ended an attempt in this transaction, was the store's failure and not the
    /// handler's: a deadlock victim or a serialization failure the database asks to run again, or the transaction lost
    /// with its connection. The delivery then runs the same attempt again at once, in a new transaction, without
    /// counting it against the endpoint's retries (a store that is still away fails the new transaction's start, and the
    /// message is delivered again later). Called before the transaction is disposed.
    /// </summary>
    /// <param name="error">What the attempt threw.</param>
    /// <returns>Whether the attempt runs again; <see langword="false"/> unless the store says otherwise.</returns>
    bool RunsAgain(Exception error) => false;
}
