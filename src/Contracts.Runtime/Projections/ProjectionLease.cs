using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.Logging;

namespace Contracts.Projections;

/// <summary>
/// This process's hold on one asynchronous projection's lease in the store (<see cref="IEventLogStore.AcquireLeaseAsync"/>):
/// its daemon, or a rebuild, projects only while it holds it. The claim lasts <see cref="ContractsOptions.ClaimDuration"/>
/// and is renewed at a third of it; a renewal the store refuses means another process took the lease (this one stalled
/// past the claim, or a rebuild elsewhere took it over), and the lease is dropped here. Every batch checks the lease's
/// fencing token in its own transaction (<see cref="FenceAsync"/>), so a holder that lost it without knowing yet has its
/// batch rolled back instead of applied a second time.
/// </summary>
internal sealed class ProjectionLease(string projection, string owner, TimeSpan duration, TimeProvider time, ILogger logger)
{
    private long _token;

    /// <summary>The fencing token while held; 0 when not.</summary>
    public long Token => Volatile.Read(ref _token);

    /// <summary>How often a renewal runs, and a process that waits for the lease asks for it again.</summary>
    public TimeSpan Beat => duration / 3;

    /// <summary>Takes the lease if nobody holds it (or, with <paramref name="takeOver"/>, from its holder); returns the token, 0 when another keeps it.</summary>
    public async ValueTask<long> TryAcquireAsync(IEventLogStore log, bool takeOver, CancellationToken cancellationToken)
    {
        long token = await log.AcquireLeaseAsync(projection, new StoreClaim(owner, time.GetUtcNow() + duration), takeOver, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _token, token);
        if (token != 0)
        {
            ProjectionLog.LeaseTaken(logger, projection, token, takeOver);
        }

        return token;
    }

    /// <summary>Renews the lease at every <see cref="Beat"/> while it is held, until <paramref name="cancellationToken"/> ends.</summary>
    public async Task RenewAsync(IEventLogStore log, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Beat, time, cancellationToken).ConfigureAwait(false);
                long token = Token;
                if (token != 0 && !await log.RenewLeaseAsync(projection, token, time.GetUtcNow() + duration, cancellationToken).ConfigureAwait(false))
                {
                    Lost(token);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Tried again at the next beat; the claim outlives two missed ones, and a batch committed after it ran out
                // is refused by its fence if another process took the lease meanwhile.
                ProjectionLog.LeaseFailed(logger, ex, projection, "renew");
            }
        }
    }

    /// <summary>
    /// In a batch's transaction, before it commits: throws <see cref="ProjectionLeaseLostException"/> (the caller rolls
    /// back) unless the lease is still held with this process's token, which then cannot change hands before the commit.
    /// </summary>
    public async ValueTask FenceAsync(IEventLogStore log, IEventLogTransaction transaction, CancellationToken cancellationToken)
    {
        long token = Token;
        if (token == 0 || !await log.HoldsLeaseAsync(transaction, projection, token, cancellationToken).ConfigureAwait(false))
        {
            Lost(token);
            throw new ProjectionLeaseLostException(projection);
        }
    }

    /// <summary>Drops the lease here, once: another process holds it now.</summary>
    public void Lost(long token)
    {
        if (token != 0 && Interlocked.CompareExchange(ref _token, 0, token) == token)
        {
            ProjectionLog.LeaseLost(logger, projection, token);
        }
    }

    /// <summary>Gives the lease up (a clean stop, the end of a rebuild here): another process may take it at once.</summary>
    public async ValueTask ReleaseAsync(IEventLogStore log)
    {
        long token = Interlocked.Exchange(ref _token, 0);
        if (token == 0)
        {
            return;
        }

        try
        {
            await log.ReleaseLeaseAsync(projection, token, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not released: another process takes it over when the claim runs out instead.
            ProjectionLog.LeaseFailed(logger, ex, projection, "release");
        }
    }
}
