using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Storage;
using Contracts.Transport;
using Microsoft.Extensions.Logging;

namespace Contracts.Pipeline.Steps;

/// <summary>
/// Moves a message that failed for good, or could not be read, to dead letters: the transport's own when it has them,
/// otherwise the store's (and the delivery is completed). Counted and logged either way.
/// </summary>
internal sealed class DeadLetterStep(IMessageStore store, ITransport transport, DeadLetterDetail detail, TimeProvider time, ILogger logger)
{
    private readonly bool _native = (transport.Capabilities & TransportCapabilities.NativeDeadLetters) != 0;

    /// <summary>A message whose envelope cannot be read: dead-lettered at once with the reason, and the consumer goes on.</summary>
    public async ValueTask UnreadableAsync(TransportEndpoint endpoint, MessageRecord message, DeadLetterReason reason, string error, IDeliveryControl control)
    {
        message.Endpoint = endpoint.Name;
        Log.UnreadableReceived(logger, message.MessageId.ToString(), endpoint.Name, reason, error);
        var tags = new KeyValuePair<string, object?>("contracts.contract", message.ContractName);
        ContractsTelemetry.Failed.Add(1, tags, ContractsTelemetry.EndpointTag(endpoint.Name));
        DateTimeOffset now = time.GetUtcNow();
        DeadLetter letter = DeadLetter.From(message, reason, new UnreadableMessageException(error), detail, attempts: 0, now, now);
        await SettleAsync(control, completed: false, letter, CancellationToken.None).ConfigureAwait(false);
        ContractsTelemetry.DeadLettered.Add(1, tags);
    }

    /// <summary>A message that failed for good; <paramref name="completed"/> says the delivery was completed already (at most once, before the handler ran).</summary>
    public async ValueTask DeadLetterAsync(
        TransportEndpoint endpoint, Envelope envelope, IDeliveryControl control, bool completed, DeadLetterReason reason, Exception error, int attempts,
        DateTimeOffset firstFailure, DateTimeOffset lastFailure, CancellationToken cancellationToken)
    {
        DeadLetter letter = DeadLetter.From(MessageRecord.FromEnvelope(envelope, endpoint.Name, envelope.PayloadForStore()), reason, error, detail, attempts, firstFailure, lastFailure);
        await SettleAsync(control, completed, letter, cancellationToken).ConfigureAwait(false);
        ContractsTelemetry.DeadLettered.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
        Log.DeadLettered(logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, reason, attempts, letter.Id);
    }

    private async ValueTask SettleAsync(IDeliveryControl control, bool completed, DeadLetter letter, CancellationToken cancellationToken)
    {
        if (_native)
        {
            await control.DeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
            return;
        }

        await store.DeadLetters.AddAsync(letter, cancellationToken).ConfigureAwait(false);
        if (!completed)
        {
            await control.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
