using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Storage;
using Microsoft.Extensions.Logging;

namespace Contracts.Durability;

/// <summary>
/// This bus's claims on stored rows (queued messages it handles, outbox rows it relays): one owner id per start, every
/// claim good for <see cref="ContractsOptions.ClaimDuration"/>, renewed at a third of it while the bus runs and
/// released when it stops, so a restarted or a second bus takes the rows over at once, and the rows of a bus that
/// died once its claims run out.
/// </summary>
internal sealed class StoreClaims(IMessageStore store, TimeSpan duration, TimeProvider time, ILogger logger)
{
    public string Owner { get; } = Guid.NewGuid().ToString("N");

    public TimeSpan Duration => duration;

    /// <summary>A claim from now.</summary>
    public StoreClaim Next() => new(Owner, time.GetUtcNow() + duration);

    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        TimeSpan every = duration / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, cancellationToken).ConfigureAwait(false);
                await store.Queue.RenewAsync(Next(), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A missed renewal is retried at the next beat; claims outlive two of them.
                Log.StoreFailed(logger, ex, "renewing this bus's claims");
            }
        }
    }

    public async Task ReleaseAsync()
    {
        try
        {
            await store.Queue.ReleaseAsync(Owner, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not released: the rows wait for the claims to run out instead.
            Log.StoreFailed(logger, ex, "releasing this bus's claims");
        }
    }
}
