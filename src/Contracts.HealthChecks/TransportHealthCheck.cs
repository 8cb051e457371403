using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Contracts.HealthChecks;

/// <summary>Healthy when the bus runs and its transport is connected; Unhealthy saying why otherwise.</summary>
internal sealed class TransportHealthCheck(BusProbe probe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            string connection = await probe.CheckTransportAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"The bus runs; its transport is {connection}.");
        }
        catch (InvalidOperationException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, ex.Message, ex);
        }
    }
}
