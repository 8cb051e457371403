using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// The outbox role: messages written in a caller's or a handler's transaction (through <see cref="IOutboxWriter"/>
/// or <see cref="IConsumeTransaction.WriteOutboxAsync"/>), relayed by whichever bus claims them.
/// </summary>
public interface IOutboxStore
{
    /// <summary>
    /// Claims up to <paramref name="limit"/> committed, unrelayed rows that nobody holds, oldest first. Two relays
    /// claiming at once never get the same row; a relay that dies leaves its rows to the next claim once its claim runs out.
    /// </summary>
    /// <param name="claim">The relay's claim.</param>
    /// <param name="limit">The most rows.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns>The claimed rows, oldest first.</returns>
    ValueTask<IReadOnlyList<MessageRecord>> ClaimAsync(StoreClaim claim, int limit, CancellationToken cancellationToken);

    /// <summary>Gives up the claims on rows a relay could not send: the next claim, by this relay or another, takes them again.</summary>
    /// <param name="records">The rows.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken);

    /// <summary>Marks rows as relayed (and no longer claimed): they are never claimed again, and are removed after the retention.</summary>
    /// <param name="records">The rows.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask MarkRelayedAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken);

    /// <summary>Removes rows relayed before <paramref name="before"/>.</summary>
    /// <param name="before">The retention cut-off.</param>
    /// <param name="cancellationToken">Cancels the clean-up.</param>
    /// <returns>How many rows were removed.</returns>
    ValueTask<int> CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
