using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Contracts.Transport.RabbitMq;

/// <summary>Settles one AMQP delivery: an ack, a requeue, or a publish (to the error queue, or a delayed retry) and then the ack.</summary>
internal sealed class RabbitMqDelivery(RabbitMqTransport transport, IChannel channel, TransportEndpoint endpoint, BasicDeliverEventArgs delivery, int deliveryCount)
    : IDeliveryControl
{
    private int _settled;

    /// <summary>This delivery and the unfinished ones before it, as counted in the message (see <see cref="RabbitMqTransport.UnfinishedDeliveries"/>).</summary>
    public int DeliveryCount { get; } = deliveryCount;

    /// <summary>The channel it came on: it is settled there.</summary>
    public IChannel Channel => channel;

    /// <summary>The AMQP delivery (its body copied when it outlives the consumer's callback: a partitioned endpoint's).</summary>
    public BasicDeliverEventArgs Delivery => delivery;

    /// <summary>The lanes of a partitioned endpoint: a delayed retry is held there, unacknowledged, instead of sent through a delay level.</summary>
    public PartitionLanes? Lanes { get; init; }

    /// <summary>The partition key hash of a partitioned endpoint's message (0 otherwise).</summary>
    public ulong Key { get; init; }

    /// <summary>Whether the core settled the delivery; one it did not is requeued when its handling returns.</summary>
    public bool Settled => Volatile.Read(ref _settled) != 0;

    /// <summary>The acknowledgements of its channel when its deliveries are settled in order (see <see cref="OrderedAcks"/>); null otherwise.</summary>
    public OrderedAcks? Acks { get; init; }

    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        if (Acks is { } acks)
        {
            acks.Acknowledge(delivery.DeliveryTag);
            return ValueTask.CompletedTask;
        }

        return transport.SettleAsync(channel, delivery.DeliveryTag, acknowledge: true, endpoint.Name);
    }

    public ValueTask AbandonAsync(CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _settled, 1) == 0 ? transport.SettleAsync(channel, delivery.DeliveryTag, acknowledge: false, endpoint.Name) : ValueTask.CompletedTask;

    /// <summary>The message as it arrived, with the failure in its headers, into the endpoint's error queue; then the ack.</summary>
    public async ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        letter.Id = transport.NextDeadLetterId();
        await transport.PublishAsync("", transport.ErrorQueue(endpoint.Name), mandatory: true, AmqpHeaders.WithFailure(delivery.BasicProperties, letter, transport.FrameMax), delivery.Body, cancellationToken).ConfigureAwait(false);
        await CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next attempt, delayed, addressed to this endpoint only; then the ack.</summary>
    /// <remarks>On a partitioned endpoint the retry is held by its lane instead, the message still unacknowledged: see <see cref="PartitionLanes"/>.</remarks>
    public async ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken)
    {
        if (Lanes is { } lanes)
        {
            lanes.Hold(this, retry);
            return;
        }

        await transport.SendAsync(retry, endpoint, cancellationToken).ConfigureAwait(false);
        await CompleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
