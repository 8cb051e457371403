using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>The dead-letter role: messages that failed every retry or could not be read, with why.</summary>
public interface IDeadLetterStore
{
    /// <summary>Adds <paramref name="letter"/> and, in the same commit, removes its queued row when it was stored (<see cref="MessageRecord.Sequence"/> above 0).</summary>
    /// <param name="letter">The dead letter; its <see cref="DeadLetter.Id"/> is set.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask AddAsync(DeadLetter letter, CancellationToken cancellationToken);

    /// <summary>Dead letters, oldest first.</summary>
    /// <param name="afterId">Only those with a larger id (0 for the first page).</param>
    /// <param name="limit">The most to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letters.</returns>
    ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>One dead letter, or <see langword="null"/>.</summary>
    /// <param name="id">Its id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letter.</returns>
    ValueTask<DeadLetter?> FindAsync(long id, CancellationToken cancellationToken);

    /// <summary>
    /// Removes dead letter <paramref name="id"/> and queues <paramref name="requeued"/> in the same commit, claimed by
    /// <paramref name="claim"/> (setting its sequence). Returns false when the dead letter no longer exists.
    /// </summary>
    /// <param name="id">The dead letter.</param>
    /// <param name="requeued">The message to deliver again.</param>
    /// <param name="claim">The replaying bus's claim on the queued row.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether the dead letter existed.</returns>
    ValueTask<bool> ReplayAsync(long id, MessageRecord requeued, StoreClaim claim, CancellationToken cancellationToken);

    /// <summary>Removes dead letter <paramref name="id"/> without queuing anything (its message went out another way).</summary>
    /// <param name="id">The dead letter.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether it existed.</returns>
    ValueTask<bool> RemoveAsync(long id, CancellationToken cancellationToken);

    /// <summary>Deletes dead letters that last failed before <paramref name="failedBefore"/>, or all of them.</summary>
    /// <param name="failedBefore">The cut-off, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    /// <returns>How many were deleted.</returns>
    ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken);

    /// <summary>
    /// How many dead letters there are (a health check's threshold). Stores answer with one count query; one that
    /// does not override it pages through <see cref="ListAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The number of dead letters.</returns>
    async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        long count = 0, after = 0;
        while (true)
        {
            IReadOnlyList<DeadLetter> page = await ListAsync(after, 1000, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return count;
            }

            count += page.Count;
            after = page[^1].Id;
        }
    }
}
