using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Contracts.HealthChecks;

/// <summary>Every Contracts check when the application has no bus: Unhealthy, naming the call that is missing.</summary>
internal sealed class NoBusHealthCheck : IHealthCheck
{
    public static readonly NoBusHealthCheck Instance = new();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(new HealthCheckResult(
            context.Registration.FailureStatus,
            "The Contracts health checks found no bus: call services.AddContracts(...) as well as services.AddHealthChecks().AddContracts()."));
}
