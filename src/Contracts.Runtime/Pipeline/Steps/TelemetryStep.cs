using System;
using System.Diagnostics;
using Contracts.Diagnostics;
using Contracts.Transport;

namespace Contracts.Pipeline.Steps;

/// <summary>
/// The outermost part of the pipeline: the <c>process</c> span (OpenTelemetry messaging conventions), a child of the
/// producer's trace context.
/// </summary>
internal static class TelemetryStep
{
    /// <summary>The span's name and its <c>messaging.operation.name</c> and <c>.type</c>.</summary>
    public const string Process = "process";

    /// <summary>Whether a delivery must take the full path because someone traces or measures processing.</summary>
    public static bool Observed => ContractsTelemetry.ActivitySource.HasListeners() || ContractsTelemetry.ProcessDuration.Enabled;

    public static Activity? StartProcess(Envelope envelope, TransportEndpoint endpoint, string system)
    {
        if (!ContractsTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(envelope.TraceParent, envelope.TraceState, isRemote: true, out ActivityContext parent);
        Activity? activity = ContractsTelemetry.ActivitySource.StartActivity(Process, ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.DisplayName = $"{Process} {envelope.Contract.Name}";
            activity.SetTag("messaging.system", system);
            activity.SetTag("messaging.operation.name", Process);
            activity.SetTag("messaging.operation.type", Process);
            activity.SetTag("messaging.destination.name", envelope.Contract.Name);
            activity.SetTag("messaging.destination.subscription.name", endpoint.Name);
            activity.SetTag("messaging.message.id", envelope.MessageId.ToString());
            activity.SetTag("messaging.message.conversation_id", envelope.CorrelationId.ToString());
            if (!envelope.Payload.IsEmpty)
            {
                activity.SetTag("messaging.message.body.size", envelope.Payload.Length);
            }

            activity.SetTag("contracts.handler", endpoint.Handler.HandlerName);
        }

        return activity;
    }

    /// <summary>
    /// Records a failed attempt on the current <c>process</c> span: an <c>exception</c> event per attempt, and
    /// <c>error.type</c> (cleared again if a later attempt succeeds).
    /// </summary>
    public static void Failed(Exception exception)
    {
        if (Activity.Current is { } activity && ReferenceEquals(activity.Source, ContractsTelemetry.ActivitySource) && activity.OperationName == Process)
        {
            activity.AddException(exception);
            activity.SetTag("error.type", exception.GetType().FullName);
        }
    }
}
