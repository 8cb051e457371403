using System;
using Contracts.Diagnostics;
using Contracts.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

// In namespace Contracts, like AddContracts and every Use* extension, so callers need no extra using.
namespace Contracts;

/// <summary>Adds the Contracts health checks to a health checks builder.</summary>
public static class ContractsHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the bus's health checks: <c>contracts-transport</c> (the bus runs and its transport is connected),
    /// <c>contracts-store</c> (the store answers a cheap query), <c>contracts-dead-letters</c> and
    /// <c>contracts-backlog</c> (counts under their thresholds: Degraded or Unhealthy above). Call it after
    /// <c>services.AddContracts(...)</c>; the checks resolve the bus when they first run.
    /// </summary>
    /// <param name="builder">The builder from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="configure">Names, tags, which checks, thresholds.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The name is empty, or the timeout is not positive.</exception>
    public static IHealthChecksBuilder AddContracts(this IHealthChecksBuilder builder, Action<ContractsHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ContractsHealthCheckOptions();
        configure?.Invoke(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name, "options.Name");
        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"ContractsHealthCheckOptions.Timeout must be positive (it is {options.Timeout}).", nameof(configure));
        }

        string[] tags = [.. options.Tags];
        if (options.CheckTransport)
        {
            builder.Add(Registration(options, "transport", static (probe, _) => new TransportHealthCheck(probe), tags));
        }

        if (options.CheckStore)
        {
            builder.Add(Registration(options, "store", static (probe, _) => new StoreHealthCheck(probe), tags));
        }

        if (options.CheckDeadLetters)
        {
            builder.Add(Registration(options, "dead-letters", static (probe, o) => new DeadLetterHealthCheck(probe, o.DeadLetters), tags));
        }

        if (options.CheckBacklog)
        {
            builder.Add(Registration(options, "backlog", static (probe, o) => new BacklogHealthCheck(probe, o), tags));
        }

        return builder;
    }

    private static HealthCheckRegistration Registration(
        ContractsHealthCheckOptions options, string check, Func<BusProbe, ContractsHealthCheckOptions, IHealthCheck> create, string[] tags) =>
        new(
            $"{options.Name}-{check}",
            // Without a bus, each check reports so instead of throwing: a throwing factory fails the whole health report.
            services => services.GetService<BusProbe>() is { } probe ? create(probe, options) : NoBusHealthCheck.Instance,
            HealthStatus.Unhealthy,
            tags,
            options.Timeout);
}
