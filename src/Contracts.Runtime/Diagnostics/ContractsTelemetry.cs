using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Contracts.Diagnostics;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> named <c>Contracts</c>, on the OpenTelemetry messaging
/// semantic conventions: <c>send</c>/<c>publish</c>/<c>query</c> producer spans and <c>process</c> consumer spans with the
/// <c>messaging.*</c> attributes, <c>error.type</c> and exception events on failure; the metrics
/// <c>messaging.client.sent.messages</c>, <c>messaging.client.consumed.messages</c> and <c>messaging.process.duration</c>
/// (seconds), beside Contracts' own <c>contracts.messages.*</c> counters.
/// </summary>
public static class ContractsTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Contracts";

    /// <summary>Spans for send, publish, query and handle.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>The messaging conventions' metrics and Contracts' own counters.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>The <c>messaging.system</c> of the in-process transport (the convention has no value for it).</summary>
    public const string InProcessSystem = "contracts";

    // The OpenTelemetry messaging conventions' metrics (names, units and attributes as the semantic conventions define them).
    internal static readonly Counter<long> Sent = Meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Messages a producer sent (accepted by the transport).");
    internal static readonly Counter<long> Consumed = Meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Messages delivered to a consumer.");
    internal static readonly Histogram<double> ProcessDuration = Meter.CreateHistogram<double>(
        "messaging.process.duration",
        "s",
        "Duration of processing a delivery: its handler's attempts and the pipeline around them.",
        tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] });

    // Contracts' own counters, for what the conventions do not name.
    internal static readonly Counter<long> Handled = Meter.CreateCounter<long>("contracts.messages.handled", "{message}", "Deliveries whose handler succeeded.");
    internal static readonly Counter<long> Failed = Meter.CreateCounter<long>("contracts.messages.failed", "{message}", "Deliveries whose handler threw or that could not be read.");
    internal static readonly Counter<long> Dropped = Meter.CreateCounter<long>("contracts.messages.dropped", "{message}", "Messages dropped by a full endpoint.");
    internal static readonly Counter<long> Retried = Meter.CreateCounter<long>("contracts.messages.retried", "{message}", "Deliveries retried, at once or after a delay.");
    internal static readonly Counter<long> Expired = Meter.CreateCounter<long>("contracts.messages.expired", "{message}", "Messages that arrived after their deliver-by time, dropped or dead-lettered unhandled.");
    internal static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("contracts.messages.dead_lettered", "{message}", "Messages moved to dead letters.");

    internal static KeyValuePair<string, object?> ContractTag(ContractDescriptor contract) => new("contracts.contract", contract.Name);

    internal static KeyValuePair<string, object?> EndpointTag(string endpoint) => new("contracts.endpoint", endpoint);

    internal static KeyValuePair<string, object?> SystemTag(string system) => new("messaging.system", system);

    internal static KeyValuePair<string, object?> OperationTag(string operation) => new("messaging.operation.name", operation);

    internal static KeyValuePair<string, object?> DestinationTag(ContractDescriptor contract) => new("messaging.destination.name", contract.Name);

    internal static KeyValuePair<string, object?> SubscriptionTag(string endpoint) => new("messaging.destination.subscription.name", endpoint);

    internal static KeyValuePair<string, object?> ErrorTag(string type) => new("error.type", type);

    /// <summary>The convention's operation name of a send of <paramref name="contract"/>: <c>send</c>, or <c>publish</c> for an event.</summary>
    internal static string SendOperation(ContractDescriptor contract) => contract.Kind == MessageKind.Event ? "publish" : "send";
}
