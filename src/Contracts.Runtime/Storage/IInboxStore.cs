using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>The inbox role: the idempotency keys an endpoint has handled, kept for <see cref="ContractsOptions.InboxRetention"/>.</summary>
public interface IInboxStore
{
    /// <summary>Whether <paramref name="key"/> was recorded for <paramref name="endpoint"/> (and not yet cleaned up).</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="key">The idempotency key (or message id).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Whether a message with this key was already handled there.</returns>
    ValueTask<bool> ContainsAsync(string endpoint, string key, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="key"/> for <paramref name="endpoint"/> (recording it twice is not an error).</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask AddAsync(string endpoint, string key, CancellationToken cancellationToken);

    /// <summary>Removes keys recorded before <paramref name="before"/>.</summary>
    /// <param name="before">The retention cut-off.</param>
    /// <param name="cancellationToken">Cancels the clean-up.</param>
    /// <returns>How many keys were removed.</returns>
    ValueTask<int> CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
