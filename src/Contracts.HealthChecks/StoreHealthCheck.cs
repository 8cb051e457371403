using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Contracts.HealthChecks;

/// <summary>Healthy when the store answers its cheap question (<see cref="Storage.IMessageStore.PingAsync"/>); Unhealthy with its error otherwise.</summary>
internal sealed class StoreHealthCheck(BusProbe probe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await probe.PingStoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The store ({probe.StoreName}) did not answer: {ex.Message}", ex);
        }

        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return HealthCheckResult.Healthy(FormattableString.Invariant($"The store ({probe.StoreName}) answered in {ms:0.#} ms."));
    }
}
