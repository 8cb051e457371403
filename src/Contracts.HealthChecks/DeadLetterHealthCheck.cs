using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Contracts.HealthChecks;

/// <summary>Counts the dead letters where the transport keeps them and judges the count by its threshold.</summary>
internal sealed class DeadLetterHealthCheck(BusProbe probe, HealthThreshold threshold) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        long count;
        try
        {
            count = await probe.CountDeadLettersAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The dead letters could not be counted: {ex.Message}", ex);
        }

        HealthStatus status = threshold.Judge(count);
        string description = FormattableString.Invariant($"{count} dead letter{(count == 1 ? "" : "s")} ({threshold})") +
            (status == HealthStatus.Healthy ? "." : ": list them with IDeadLetters (or the contracts tool), replay or purge them.");
        return new HealthCheckResult(status, description, data: new Dictionary<string, object> { ["deadLetters"] = count });
    }
}
