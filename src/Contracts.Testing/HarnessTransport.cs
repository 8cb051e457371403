using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts.Testing;

/// <summary>
/// Around the bus's transport: counts a pending delivery per endpoint for every envelope sent (before it is handed
/// on, so a delivery settled at once cannot be missed), and settles it when the consume pipeline completes,
/// dead-letters or abandons it. A retry rescheduled by the pipeline stays pending until its last attempt settles.
/// </summary>
internal sealed class HarnessTransport(ITransport inner, HarnessRecorder recorder) : ITransport, IDisposable
{
    public TransportCapabilities Capabilities => inner.Capabilities;

    public string? ReplyAddress => inner.ReplyAddress;

    public IDeadLetterQueue DeadLetters => inner.DeadLetters;

    public Task StartAsync(TransportContext context, CancellationToken cancellationToken)
    {
        var recording = new TransportContext(
            context.Catalog, context.Endpoints, new Receiver(context.Receiver, recorder), context.MaxPayloadBytes,
            context.ShutdownTimeout, context.MaxDeliveryDelay, context.Aborted);
        return inner.StartAsync(recording, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    public async ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken)
    {
        int deliveries = recorder.Sending(envelope, endpoint);
        try
        {
            await inner.SendAsync(envelope, endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            recorder.NotSent(deliveries);
            throw;
        }
    }

    public ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken) => inner.ReplyAsync(query, reply, cancellationToken);

    public ValueTask<string> CheckConnectionAsync(CancellationToken cancellationToken) => inner.CheckConnectionAsync(cancellationToken);

    public ValueTask<long?> CountBacklogAsync(TransportEndpoint endpoint, CancellationToken cancellationToken) => inner.CountBacklogAsync(endpoint, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>A provider disposed synchronously stops the bus at once: the inner transport must hear of it too.</summary>
    public void Dispose() => (inner as IDisposable)?.Dispose();

    private sealed class Receiver(ITransportReceiver inner, HarnessRecorder recorder) : ITransportReceiver
    {
        public ValueTask ReceiveAsync(TransportEndpoint endpoint, IHeaderReader headers, ReadOnlyMemory<byte> body, IDeliveryControl control, CancellationToken cancellationToken) =>
            inner.ReceiveAsync(endpoint, headers, body, new Control(control, recorder, endpoint, envelope: null), cancellationToken);

        public ValueTask ReceiveAsync(TransportEndpoint endpoint, Envelope envelope, IDeliveryControl control)
        {
            if (envelope.DeliverAt is not null)
            {
                recorder.Arrived(endpoint, envelope);
            }

            return inner.ReceiveAsync(endpoint, envelope, new Control(control, recorder, endpoint, envelope));
        }

        public void ReceiveReply(Guid queryId, QueryResponse reply) => inner.ReceiveReply(queryId, reply);
    }

    private sealed class Control(IDeliveryControl inner, HarnessRecorder recorder, TransportEndpoint endpoint, Envelope? envelope) : IDeliveryControl
    {
        public int DeliveryCount => inner.DeliveryCount;

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            await inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
            recorder.Settled(endpoint, envelope, HarnessOutcome.Completed, reason: null);
        }

        public async ValueTask AbandonAsync(CancellationToken cancellationToken)
        {
            await inner.AbandonAsync(cancellationToken).ConfigureAwait(false);
            recorder.Settled(endpoint, envelope, HarnessOutcome.Abandoned, reason: null);
        }

        public async ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
        {
            await inner.DeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
            recorder.Settled(endpoint, envelope, HarnessOutcome.DeadLettered, $"{letter.Reason} after {letter.Attempts} attempt(s): {letter.ExceptionType}: {letter.ExceptionMessage}");
        }

        // Not settled: the same delivery comes back for its next attempt.
        public ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken) =>
            inner.RescheduleAsync(retry, firstFailedAt, error, cancellationToken);
    }
}
