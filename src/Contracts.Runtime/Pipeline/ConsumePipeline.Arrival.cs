using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts.Pipeline;

/// <summary>What turns a message away before any handler runs: past its deliver-by, due too far ahead, or a crash loop.</summary>
internal sealed partial class ConsumePipeline
{
    /// <summary>Timeouts of ended sagas, dropped on arrival (set by the runtime).</summary>
    public Sagas.CancelledTimeouts? CancelledTimeouts { get; init; }

    /// <summary>
    /// Settles a message that must not be handled, for envelopes carried in process as for those read off the wire;
    /// null (allocation-free, a field test or two) for the rest.
    /// </summary>
    private ValueTask? TurnedAway(TransportEndpoint endpoint, Envelope envelope, IDeliveryControl control)
    {
        if (envelope.DeliverBy is not null || envelope.DeliverAt is not null)
        {
            if (envelope.DeliverAt is not null && CancelledTimeouts is { IsEmpty: false } cancelled && cancelled.TryTake(envelope.MessageId))
            {
                // A saga's timeout whose saga ended while it waited here: its stored row went with the final state.
                Sagas.SagaLog.TimeoutCancelled(_logger, envelope.Contract.Name, envelope.MessageId, endpoint.Name);
                return control.CompleteAsync(CancellationToken.None);
            }

            DateTimeOffset now = _time.GetUtcNow();
            if (envelope.DeliverBy is { } deliverBy && deliverBy < now)
            {
                return ExpiredAsync(endpoint, envelope, control, deliverBy, now);
            }

            if (envelope.DeliverAt is { } due && due - now > _options.MaxDeliveryDelay)
            {
                // Another producer (or a forged header) asks to park it for longer than this bus keeps anything waiting.
                var tooLong = new InvalidOperationException(
                    $"'{envelope.Contract}' {envelope.MessageId} asked to be delivered at {due:O}, further ahead than ContractsOptions.MaxDeliveryDelay " +
                    $"({_options.MaxDeliveryDelay}) allows: it was not kept waiting. Replay it to deliver it now, or purge it.");
                return _deadLetters.DeadLetterAsync(endpoint, envelope, control, completed: false, DeadLetterReason.DelayTooLong, tooLong, attempts: 0, now, now, CancellationToken.None);
            }
        }

        if (_maxUnfinished > 0 && envelope.Reply is null && control.DeliveryCount > _maxUnfinished)
        {
            return CrashLoopAsync(endpoint, envelope, control);
        }

        return null;
    }

    /// <summary>
    /// A message that arrived after its deliver-by time: counted, then dropped with a warning or, with
    /// <see cref="ExpiredMessages.DeadLetter"/>, dead-lettered. A query is always dropped: its caller has stopped waiting.
    /// </summary>
    private ValueTask ExpiredAsync(TransportEndpoint endpoint, Envelope envelope, IDeliveryControl control, DateTimeOffset deliverBy, DateTimeOffset now)
    {
        ContractsTelemetry.Expired.Add(1, ContractsTelemetry.ContractTag(envelope.Contract), ContractsTelemetry.EndpointTag(endpoint.Name));
        if (envelope.Contract.Kind == MessageKind.Query)
        {
            Log.Expired(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name);
            envelope.Reply?.TrySetException(new TimeoutException($"'{envelope.Contract}' {envelope.MessageId} arrived after its deadline ({deliverBy:O}): it was not handled."));
            return control.CompleteAsync(CancellationToken.None);
        }

        if (_options.ExpiredMessages != ExpiredMessages.DeadLetter)
        {
            Log.ExpiredDropped(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, deliverBy);
            return control.CompleteAsync(CancellationToken.None);
        }

        var error = new TimeoutException(
            $"'{envelope.Contract}' {envelope.MessageId} had to be delivered by {deliverBy:O} and arrived on endpoint '{endpoint.Name}' at {now:O}: " +
            "it was not handled. Replay it if it is still wanted.");
        return _deadLetters.DeadLetterAsync(endpoint, envelope, control, completed: false, DeadLetterReason.Expired, error, attempts: 0, now, now, CancellationToken.None);
    }

    /// <summary>
    /// A message whose earlier deliveries all ended unsettled, more than <see cref="ContractsOptions.MaxUnfinishedDeliveries"/>
    /// of them: its handler is most likely what takes the process down, so it is not run again, and the messages behind it get their turn.
    /// </summary>
    private ValueTask CrashLoopAsync(TransportEndpoint endpoint, Envelope envelope, IDeliveryControl control)
    {
        int unfinished = control.DeliveryCount - 1;
        Log.CrashLoop(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, unfinished);
        var error = new InvalidOperationException(
            $"'{envelope.Contract}' {envelope.MessageId} was delivered {unfinished} times on endpoint '{endpoint.Name}' and no delivery finished: " +
            $"its handler {endpoint.Handler.HandlerName} most likely takes the process down (Environment.FailFast, a stack overflow, a native crash). " +
            $"It was not handled again (ContractsOptions.MaxUnfinishedDeliveries is {_maxUnfinished}); fix the handler, then replay this dead letter.");
        DateTimeOffset now = _time.GetUtcNow();
        return _deadLetters.DeadLetterAsync(endpoint, envelope, control, completed: false, DeadLetterReason.CrashLoop, error, unfinished, now, now, CancellationToken.None);
    }
}
