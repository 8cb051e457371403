using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Contracts.HealthChecks;

/// <summary>Counts the messages waiting on each endpoint and judges each count by its endpoint's threshold; the worst wins.</summary>
internal sealed class BacklogHealthCheck(BusProbe probe, ContractsHealthCheckOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<EndpointBacklog> backlog;
        try
        {
            backlog = await probe.CountBacklogAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The endpoints' backlog could not be counted: {ex.Message}", ex);
        }

        HealthStatus worst = HealthStatus.Healthy;
        var over = new StringBuilder();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        int counted = 0;
        foreach (EndpointBacklog endpoint in backlog)
        {
            if (endpoint.Messages is not { } messages)
            {
                continue;
            }

            counted++;
            data[endpoint.Endpoint] = messages;
            HealthThreshold threshold = options.Endpoints.TryGetValue(endpoint.Endpoint, out HealthThreshold? own) ? own : options.Backlog;
            HealthStatus status = threshold.Judge(messages);
            if (status == HealthStatus.Healthy)
            {
                continue;
            }

            worst = status < worst ? status : worst;
            over.Append(over.Length == 0 ? "" : "; ")
                .Append(CultureInfo.InvariantCulture, $"'{endpoint.Endpoint}' has {messages} waiting ({threshold})");
        }

        string description = over.Length > 0
            ? $"{over}: its handlers do not keep up (add MaxConcurrency or consumers) or do not run."
            : counted == 0
                ? "No endpoint's backlog is counted by this transport."
                : string.Create(CultureInfo.InvariantCulture, $"{counted} endpoint{(counted == 1 ? "" : "s")} under {(options.Endpoints.Count == 0 ? options.Backlog.ToString() : "their thresholds")}.");
        return new HealthCheckResult(worst, description, data: data);
    }
}
