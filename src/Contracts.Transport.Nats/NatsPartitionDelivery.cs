using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Contracts.Transport.Nats;

/// <summary>
/// One message of a keyed endpoint's partition, held by this process until its lane ran it: an ack, or a dead letter
/// and the ack. A delayed retry is held in its lane, the message unacknowledged (<see cref="HoldsRetries"/>), so a
/// crash or a stop leaves it at its place for the partition's next holder, ahead of its key's later messages.
/// </summary>
internal sealed class NatsPartitionDelivery : IDeliveryControl
{
    /// <summary>The header that carries a keyed message's partition key hash (the contract's generated 64-bit hash), as on the other transports.</summary>
    public const string PartitionHeader = "contracts-partition-key";

    private readonly NatsTransport _transport;
    private readonly NatsPartitions _partitions;
    private int _settled;

    public NatsPartitionDelivery(NatsTransport transport, NatsPartitions partitions, INatsJSMsg<NatsMemoryOwner<byte>> msg, int partition, ulong sequence)
    {
        _transport = transport;
        _partitions = partitions;
        Message = msg;
        Partition = partition;
        Sequence = sequence;
        Key = KeyOf(msg.Headers);
        DeliveryCount = msg.Metadata is { } metadata ? (int)Math.Clamp(metadata.NumDelivered, 1UL, int.MaxValue) : 1;
        HeldSince = Stopwatch.GetTimestamp();
    }

    public INatsJSMsg<NatsMemoryOwner<byte>> Message { get; }

    public int Partition { get; }

    /// <summary>The message's sequence in the endpoint's stream: one message held here once, whatever the server redelivers.</summary>
    public ulong Sequence { get; }

    /// <summary>The partition key hash the sender wrote (0 without one): the message's lane.</summary>
    public ulong Key { get; }

    /// <summary>When this process last told the server it still holds the message (<see cref="Stopwatch"/> ticks).</summary>
    public long HeldSince { get; set; }

    /// <summary>
    /// JetStream's count of this message's deliveries on the partition's consumer. A take-over creates the consumer
    /// again, so the count starts over with each holder: a message that takes its process down is not found out by the
    /// crash-loop guard.
    /// </summary>
    public int DeliveryCount { get; }

    public bool HoldsRetries => true;

    /// <summary>Whether the core settled the delivery, or abandoned it (left unacknowledged: redelivered after AckWait or to the next holder).</summary>
    public bool Settled => Volatile.Read(ref _settled) != 0;

    /// <summary>The key hash in <see cref="PartitionHeader"/>, or 0.</summary>
    public static ulong KeyOf(NatsHeaders? headers) =>
        headers is not null && headers.TryGetLastValue(PartitionHeader, out string? text) &&
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong key) ? key : 0;

    /// <summary>
    /// The ack, only while the partition's lease is surely this process's: once in doubt, another process may have
    /// recreated the partition's consumer, and the message is left for its next holder (at-least-once: handled again).
    /// </summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return;
        }

        if (!_partitions.Leases.Holds(Partition))
        {
            NatsTransport.Log.NotAcknowledged(_transport.Logger, MessageId, _partitions.Endpoint.Name);
            return;
        }

        await _transport.SettleAsync(Message, acknowledge: true, _partitions.Endpoint.Name).ConfigureAwait(false);
    }

    private string? MessageId => Message.Headers?.TryGetLastValue(EnvelopeHeaders.MessageId, out string? id) == true ? id : null;

    /// <summary>Left unacknowledged: a nak would have the server deliver it again at once, behind its key's later messages.</summary>
    public ValueTask AbandonAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _settled, 1);
        return ValueTask.CompletedTask;
    }

    /// <summary>The dead letter, then the ack; neither once the partition's lease is in doubt (its next holder gets the message again).</summary>
    public async ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        if (!_partitions.Leases.Holds(Partition))
        {
            Interlocked.Exchange(ref _settled, 1);
            NatsTransport.Log.NotAcknowledged(_transport.Logger, MessageId, _partitions.Endpoint.Name);
            return;
        }

        await NatsDelivery.PublishDeadLetterAsync(_transport, Message, _partitions.Endpoint, letter, cancellationToken).ConfigureAwait(false);
        await CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The delayed retry is held in the message's lane, its key parked behind it; the message stays unacknowledged.</summary>
    public ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken)
    {
        _partitions.Lanes.Hold(this, retry);
        return ValueTask.CompletedTask;
    }

    /// <summary>A progress acknowledgement: the server's AckWait starts again.</summary>
    public async ValueTask KeepAliveAsync()
    {
        try
        {
            await Message.AckProgressAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (NatsTransport.IsConnectionFailure(ex) || ex is ObjectDisposedException)
        {
            // The connection is down: the message may be delivered again after AckWait; a copy of one held here is dropped.
        }
    }
}
