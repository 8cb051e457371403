using System.Diagnostics;
using Contracts.Diagnostics;
using Contracts.Transport;

namespace Contracts.Pipeline.Steps;

/// <summary>The outermost part of the pipeline: the <c>handle</c> span, a child of the producer's trace context.</summary>
internal static class TelemetryStep
{
    /// <summary>Whether a delivery must take the full path because someone traces or measures handlers.</summary>
    public static bool Observed => ContractsTelemetry.ActivitySource.HasListeners() || ContractsTelemetry.HandlerDuration.Enabled;

    public static Activity? StartHandle(Envelope envelope, TransportEndpoint endpoint)
    {
        if (!ContractsTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(envelope.TraceParent, envelope.TraceState, isRemote: true, out ActivityContext parent);
        Activity? activity = ContractsTelemetry.ActivitySource.StartActivity("handle", ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.DisplayName = $"handle {envelope.Contract.Name}";
            activity.SetTag("messaging.system", "contracts");
            activity.SetTag("messaging.destination.name", endpoint.Name);
            activity.SetTag("messaging.message.id", envelope.MessageId);
            activity.SetTag("messaging.message.conversation_id", envelope.CorrelationId);
            activity.SetTag("contracts.handler", endpoint.Handler.HandlerName);
        }

        return activity;
    }
}
