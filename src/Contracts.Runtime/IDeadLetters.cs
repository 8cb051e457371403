using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts;

/// <summary>
/// Lists, inspects, replays and purges dead letters: messages that failed every retry or could not be read.
/// Resolve it from DI. They are kept where the transport keeps them (<see cref="Transport.ITransport.DeadLetters"/>):
/// with the in-memory transport in the store (a database with a durable store, memory for the life of the process
/// without one); on a broker in its dead-letter queues.
/// </summary>
public interface IDeadLetters
{
    /// <summary>Dead letters, oldest first.</summary>
    /// <param name="afterId">Only those with a larger id: 0 for the first page, then the last id seen.</param>
    /// <param name="limit">The most to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letters.</returns>
    ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId = 0, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>One dead letter with its envelope, exception and attempts, or <see langword="null"/>.</summary>
    /// <param name="id">Its id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letter.</returns>
    ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a dead letter again to its original endpoint, as attempt 1 with the same message id, and removes it
    /// from dead letters (in one commit with a durable store).
    /// </summary>
    /// <param name="id">Its id.</param>
    /// <param name="cancellationToken">Cancels the replay.</param>
    /// <returns>False when no such dead letter exists.</returns>
    /// <exception cref="InvalidOperationException">Its endpoint or contract does not exist in this process.</exception>
    ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Deletes dead letters that last failed before <paramref name="failedBefore"/>, or all of them.</summary>
    /// <param name="failedBefore">The cut-off, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    /// <returns>How many were deleted.</returns>
    ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many dead letters there are, without reading them where the place they are kept can count (a table, a
    /// broker queue); otherwise it pages through <see cref="ListAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The number of dead letters.</returns>
    async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
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
