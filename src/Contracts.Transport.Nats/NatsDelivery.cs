using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Contracts.Transport.Nats;

/// <summary>Settles one JetStream delivery: an ack, a nak, or a publish to the dead-letter stream and then the ack.</summary>
internal sealed class NatsDelivery(NatsTransport transport, INatsJSMsg<NatsMemoryOwner<byte>> msg, TransportEndpoint endpoint, long started) : IDeliveryControl
{
    private int _settled;

    /// <summary>JetStream's own count of this message's deliveries on its consumer, this one included.</summary>
    public int DeliveryCount { get; } = msg.Metadata is { } metadata ? (int)Math.Clamp(metadata.NumDelivered, 1UL, int.MaxValue) : 1;

    /// <summary>When a handler took it (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long Started { get; } = started;

    /// <summary>Whether the core settled the delivery; one it did not is given back when its handling returns.</summary>
    public bool Settled => Volatile.Read(ref _settled) != 0;

    /// <summary>Whether the delivery was queued to be given back when the stop ends (its payload is then the stop's to release).</summary>
    public bool GivenBack { get; private set; }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            await transport.SettleAsync(msg, acknowledge: true, endpoint.Name).ConfigureAwait(false);
        }
    }

    public async ValueTask AbandonAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            GivenBack = await transport.SettleAsync(msg, acknowledge: false, endpoint.Name).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The message as it arrived, with the failure in its headers, into the endpoint's dead-letter subject; then the
    /// ack. The publish's id is the message's stream position and the endpoint, so a dead letter published twice (the
    /// ack lost, the message delivered and failing again) is stored once.
    /// </summary>
    public async ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        await PublishDeadLetterAsync(transport, msg, endpoint, letter, cancellationToken).ConfigureAwait(false);
        await CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes <paramref name="msg"/> with <paramref name="letter"/>'s failure to the dead-letter stream (see <see cref="DeadLetterAsync"/>) and sets the letter's id.</summary>
    internal static async ValueTask PublishDeadLetterAsync(
        NatsTransport transport, INatsJSMsg<NatsMemoryOwner<byte>> msg, TransportEndpoint endpoint, DeadLetter letter, CancellationToken cancellationToken)
    {
        NatsHeaders headers = NatsHeaderAdapter.CopyWithout(msg.Headers, NatsHeaderAdapter.IsNatsOwned);
        EnvelopeCodec.WriteFailure(letter, new NatsHeaderAdapter(headers));
        string id = msg.Metadata is { } metadata
            ? string.Create(CultureInfo.InvariantCulture, $"dead:{metadata.Stream}:{metadata.Sequence.Stream}:{endpoint.Name}")
            : $"dead:{Guid.NewGuid():N}";
        ulong sequence = await transport.PublishAsync(
            transport.Names.DeadLetterSubject(endpoint.Name), headers, msg.Data.Memory, id, transport.Names.DeadLetterStream, null, cancellationToken).ConfigureAwait(false);
        letter.Id = (long)sequence;
    }

    /// <summary>The next attempt to this endpoint only (the core does not ask: delays are its scheduler's), then the ack.</summary>
    public async ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken)
    {
        await transport.SendAsync(retry, endpoint, cancellationToken).ConfigureAwait(false);
        await CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the server the handler is still at it (a progress acknowledgement restarts AckWait).</summary>
    public async ValueTask KeepAliveAsync()
    {
        try
        {
            await msg.AckProgressAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (NatsTransport.IsConnectionFailure(ex) || ex is ObjectDisposedException)
        {
            // The connection is down: the delivery may be redelivered elsewhere after AckWait; the inbox handles the repeat.
        }
    }
}
