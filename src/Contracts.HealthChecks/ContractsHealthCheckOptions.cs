using System;
using System.Collections.Generic;

namespace Contracts.HealthChecks;

/// <summary>Which Contracts health checks are registered, under what names and tags, and their thresholds.</summary>
public sealed class ContractsHealthCheckOptions
{
    /// <summary>The first part of every check's name: <c>{Name}-transport</c>, <c>-store</c>, <c>-dead-letters</c>, <c>-backlog</c>. Default <c>contracts</c>.</summary>
    public string Name { get; set; } = "contracts";

    /// <summary>The tags of every check (to filter them on an endpoint: <c>MapHealthChecks("/ready", new() { Predicate = c => c.Tags.Contains("contracts") })</c>). Default <c>contracts</c>.</summary>
    public ISet<string> Tags { get; } = new HashSet<string>(StringComparer.Ordinal) { "contracts" };

    /// <summary>How long each check may take before it is reported Unhealthy (the store or broker does not answer). Default 5 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether to check that the bus runs and its transport is connected. Default true.</summary>
    public bool CheckTransport { get; set; } = true;

    /// <summary>Whether to check that the store answers. Default true.</summary>
    public bool CheckStore { get; set; } = true;

    /// <summary>Whether to count dead letters against <see cref="DeadLetters"/>. Default true.</summary>
    public bool CheckDeadLetters { get; set; } = true;

    /// <summary>Whether to count each endpoint's waiting messages against <see cref="Backlog"/> (or its entry in <see cref="Endpoints"/>). Default true.</summary>
    public bool CheckBacklog { get; set; } = true;

    /// <summary>Dead letters: degraded above 0 (any dead letter wants a look) unless changed; never unhealthy unless <see cref="HealthThreshold.UnhealthyAbove"/> is set.</summary>
    public HealthThreshold DeadLetters { get; } = new() { DegradedAbove = 0 };

    /// <summary>Messages waiting on one endpoint: degraded above 1000 unless changed; never unhealthy unless <see cref="HealthThreshold.UnhealthyAbove"/> is set.</summary>
    public HealthThreshold Backlog { get; } = new() { DegradedAbove = 1000 };

    /// <summary>Backlog thresholds of single endpoints, by endpoint name, in place of <see cref="Backlog"/>.</summary>
    public IDictionary<string, HealthThreshold> Endpoints { get; } = new Dictionary<string, HealthThreshold>(StringComparer.Ordinal);
}
