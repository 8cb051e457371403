using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Storage;
using Microsoft.Extensions.Logging;

namespace Contracts.Durability;

/// <summary>Removes expired inbox keys and relayed outbox records, now and every <see cref="ContractsOptions.CleanUpInterval"/>.</summary>
internal sealed class Housekeeping(IMessageStore store, ContractsOptions options, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                DateTimeOffset before = time.GetUtcNow() - options.InboxRetention;
                int removed = await store.Inbox.CleanUpAsync(before, cancellationToken).ConfigureAwait(false) +
                    await store.Outbox.CleanUpAsync(before, cancellationToken).ConfigureAwait(false);
                if (removed > 0)
                {
                    Log.CleanedUp(logger, removed, options.InboxRetention);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.StoreFailed(logger, ex, "cleaning up the inbox");
            }

            try
            {
                await Task.Delay(options.CleanUpInterval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
