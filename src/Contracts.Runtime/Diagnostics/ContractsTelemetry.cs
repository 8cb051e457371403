using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Contracts.Diagnostics;

/// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> named <c>Contracts</c>.</summary>
public static class ContractsTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Contracts";

    /// <summary>Spans for send, publish, query and handle.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>Counters and the handler-duration histogram.</summary>
    public static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Sent = Meter.CreateCounter<long>("contracts.messages.sent", "{message}", "Messages accepted by an endpoint.");
    internal static readonly Counter<long> Handled = Meter.CreateCounter<long>("contracts.messages.handled", "{message}", "Deliveries whose handler succeeded.");
    internal static readonly Counter<long> Failed = Meter.CreateCounter<long>("contracts.messages.failed", "{message}", "Deliveries whose handler threw or that could not be read.");
    internal static readonly Counter<long> Dropped = Meter.CreateCounter<long>("contracts.messages.dropped", "{message}", "Messages dropped by a full endpoint.");
    internal static readonly Counter<long> Retried = Meter.CreateCounter<long>("contracts.messages.retried", "{message}", "Deliveries retried, at once or after a delay.");
    internal static readonly Counter<long> Expired = Meter.CreateCounter<long>("contracts.messages.expired", "{message}", "Messages that arrived after their deliver-by time, dropped or dead-lettered unhandled.");
    internal static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("contracts.messages.dead_lettered", "{message}", "Messages moved to dead letters.");
    internal static readonly Histogram<double> HandlerDuration = Meter.CreateHistogram<double>("contracts.handler.duration", "ms", "Time spent in a handler.");

    internal static KeyValuePair<string, object?> ContractTag(ContractDescriptor contract) => new("contracts.contract", contract.Name);

    internal static KeyValuePair<string, object?> EndpointTag(string endpoint) => new("contracts.endpoint", endpoint);
}
