using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Contracts.HealthChecks;

/// <summary>When a count (dead letters, messages waiting on an endpoint) makes a check Degraded or Unhealthy.</summary>
public sealed class HealthThreshold
{
    /// <summary>Degraded when the count is above this; <see langword="null"/>: never degraded.</summary>
    public long? DegradedAbove { get; set; }

    /// <summary>Unhealthy when the count is above this; <see langword="null"/>: never unhealthy.</summary>
    public long? UnhealthyAbove { get; set; }

    /// <summary>The status of <paramref name="count"/>: Unhealthy above <see cref="UnhealthyAbove"/>, else Degraded above <see cref="DegradedAbove"/>, else Healthy.</summary>
    /// <param name="count">The count.</param>
    /// <returns>The status.</returns>
    public HealthStatus Judge(long count) =>
        count > UnhealthyAbove ? HealthStatus.Unhealthy
        : count > DegradedAbove ? HealthStatus.Degraded
        : HealthStatus.Healthy;

    /// <inheritdoc />
    public override string ToString() => (DegradedAbove, UnhealthyAbove) switch
    {
        (null, null) => "no threshold",
        ({ } degraded, null) => $"degraded above {degraded}",
        (null, { } unhealthy) => $"unhealthy above {unhealthy}",
        ({ } degraded, { } unhealthy) => $"degraded above {degraded}, unhealthy above {unhealthy}",
    };
}
