using System;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Contracts.Transport.RabbitMq;

/// <summary>Consuming: one channel per endpoint, each delivery handed to the runtime and settled after it.</summary>
internal sealed partial class RabbitMqTransport
{
    private async Task ConsumeAsync(IConnection connection, TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (IsPartitioned(endpoint))
        {
            await ConsumePartitionsAsync(connection, endpoint, cancellationToken).ConfigureAwait(false);
            return;
        }

        ushort concurrency = (ushort)Math.Clamp(endpoint.Options.MaxConcurrency, 1, ushort.MaxValue);
        IChannel channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: concurrency), cancellationToken).ConfigureAwait(false);
        ushort prefetch = (ushort)Math.Clamp((long)endpoint.Options.MaxConcurrency * _options.PrefetchPerConsumer, 1, ushort.MaxValue);
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
        // One delivery at a time is settled in order, so acknowledgements can go out several in one (OrderedAcks).
        OrderedAcks? acks = concurrency == 1 ? new OrderedAcks(this, channel, endpoint.Name) : null;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(endpoint, channel, acks, delivery);
        string tag = await channel.BasicConsumeAsync(endpoint.Name, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        lock (_consumers)
        {
            _consumers.Add((channel, tag));
            if (acks is not null)
            {
                _orderedAcks.Add(acks);
            }
        }
    }

    private async Task OnDeliveryAsync(TransportEndpoint endpoint, IChannel channel, OrderedAcks? acks, BasicDeliverEventArgs delivery)
    {
        Interlocked.Increment(ref _inFlight);
        int unfinished = (int)Math.Clamp(EnvelopeCodec.Number(AmqpHeaders.Of(delivery.BasicProperties), UnfinishedDeliveries) ?? 0, 0, int.MaxValue - 2) + (delivery.Redelivered ? 1 : 0);
        var control = new RabbitMqDelivery(this, channel, endpoint, delivery, deliveryCount: unfinished + 1) { Acks = acks };
        try
        {
            if (_stopping.IsCancellationRequested)
            {
                return; // requeued below: the broker delivers it again, here after a restart or to another process
            }

            await DispatchAsync(endpoint, control, partitioned: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            NotSettled(ex, control, endpoint);
        }
        finally
        {
            if (!control.Settled)
            {
                await control.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
            }

            Finished();
        }
    }

    /// <summary>
    /// A delivery the consumer could not settle (the bus is stopping, or the broker failed under a retry or dead
    /// letter): it is delivered again.
    /// </summary>
    internal void NotSettled(Exception exception, RabbitMqDelivery control, TransportEndpoint endpoint) =>
        Log.NotSettled(_logger, exception, control.Delivery.BasicProperties.MessageId, endpoint.Name);

    /// <summary>One delivery less in flight; the last one of a stop lets it finish.</summary>
    internal void Finished()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping.IsCancellationRequested)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>
    /// A delivery's first run: a redelivery's count, an early arrival sent on to its next delay level, else the
    /// runtime. A partitioned endpoint runs a redelivery in place (see <see cref="ConsumePartitionsAsync"/>).
    /// </summary>
    internal async Task DispatchAsync(TransportEndpoint endpoint, RabbitMqDelivery control, bool partitioned)
    {
        TransportContext context = _context!;
        BasicDeliverEventArgs delivery = control.Delivery;
        AmqpHeaders headers = AmqpHeaders.Of(delivery.BasicProperties);
        if (delivery.Redelivered && !partitioned)
        {
            // A classic queue keeps no delivery count, only this flag: an earlier delivery did not finish (the
            // process died under it, or lost its connection). The count goes into a copy at the back of this
            // endpoint's queue before anything runs again, so a message that takes the process down is found
            // out after ContractsOptions.MaxUnfinishedDeliveries crashes instead of crashing every start.
            await PublishAsync("", endpoint.Name, mandatory: true, AmqpHeaders.WithHeader(delivery.BasicProperties, UnfinishedDeliveries, control.DeliveryCount - 1), delivery.Body, _stopping.Token)
                .ConfigureAwait(false);
            await control.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (EnvelopeCodec.Time(headers, EnvelopeHeaders.DeliverAt) - now is { } early && early >= TimeSpan.FromMilliseconds(1) && early <= context.MaxDeliveryDelay)
        {
            // Arrived through a delay level before its time: on to the next level, addressed to this endpoint only.
            // One due beyond MaxDeliveryDelay goes to the runtime instead, which dead-letters it (DelayTooLong).
            string routingKey = partitioned ? PartitionRoute(endpoint.Name, PartitionOf(control.Key)) : endpoint.Name;
            await PublishDelayedAsync(routingKey, new BasicProperties(delivery.BasicProperties), delivery.Body, early, events: false, _stopping.Token).ConfigureAwait(false);
            await control.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        await context.Receiver.ReceiveAsync(endpoint, headers, delivery.Body, control, _stopping.Token).ConfigureAwait(false);
    }

    /// <summary>A held retry of a partitioned endpoint's delivery, due now: the runtime runs it as the next attempt, settled through the same delivery.</summary>
    internal ValueTask ReceiveRetryAsync(TransportEndpoint endpoint, Envelope retry, RabbitMqDelivery control) =>
        _context!.Receiver.ReceiveAsync(endpoint, retry, control);

    /// <summary>
    /// A partitioned endpoint: one channel, one consumer per partition queue, deliveries dispatched one at a time (so
    /// in queue order) into the endpoint's <see cref="PartitionLanes"/>, where MaxConcurrency workers run them. The
    /// prefetch, MaxConcurrency × PrefetchPerConsumer, is shared out over the partitions (at least 1 each): a process
    /// active on every partition holds what an unpartitioned endpoint would. A redelivery runs in place, not counted
    /// into a copy at the back of the queue as elsewhere: the copy would go behind its key's later messages.
    /// </summary>
    private async Task ConsumePartitionsAsync(IConnection connection, TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        IChannel channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: 1), cancellationToken).ConfigureAwait(false);
        long total = (long)Math.Max(1, endpoint.Options.MaxConcurrency) * _options.PrefetchPerConsumer;
        ushort prefetch = (ushort)Math.Clamp((total + _options.Partitions - 1) / _options.Partitions, 1, ushort.MaxValue);
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
        var lanes = new PartitionLanes(this, endpoint, _time, _stopping.Token);
        lock (_consumers)
        {
            _lanes.Add(lanes);
        }

        // The broker makes the first consumer to register on a queue its active one: from a random partition on, so
        // that processes starting together become active on different partitions.
        int first = Random.Shared.Next(_options.Partitions);
        for (int i = 0; i < _options.Partitions; i++)
        {
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) => OnPartitionDeliveryAsync(endpoint, lanes, channel, delivery);
            string queue = PartitionQueue(endpoint.Name, (first + i) % _options.Partitions);
            string tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
            lock (_consumers)
            {
                _consumers.Add((channel, tag));
            }
        }
    }

    private Task OnPartitionDeliveryAsync(TransportEndpoint endpoint, PartitionLanes lanes, IChannel channel, BasicDeliverEventArgs delivery)
    {
        Interlocked.Increment(ref _inFlight);
        if (_stopping.IsCancellationRequested)
        {
            // Left for redelivery, at its place in the queue.
            ValueTask requeue = SettleAsync(channel, delivery.DeliveryTag, acknowledge: false, endpoint.Name);
            Finished();
            return requeue.AsTask();
        }

        // The body is the client's only during this call, and the lane runs it later: a copy.
        var kept = new BasicDeliverEventArgs(
            delivery.ConsumerTag, delivery.DeliveryTag, delivery.Redelivered, delivery.Exchange, delivery.RoutingKey, delivery.BasicProperties, delivery.Body.ToArray(), CancellationToken.None);
        int unfinished = (int)Math.Clamp(EnvelopeCodec.Number(AmqpHeaders.Of(delivery.BasicProperties), UnfinishedDeliveries) ?? 0, 0, int.MaxValue - 2) + (delivery.Redelivered ? 1 : 0);
        return lanes.PostAsync(new RabbitMqDelivery(this, channel, endpoint, kept, deliveryCount: unfinished + 1) { Lanes = lanes, Key = KeyOf(delivery.BasicProperties) }).AsTask();
    }

    /// <summary>The header of a message's copy that counts the deliveries of it that did not finish.</summary>
    internal const string UnfinishedDeliveries = "contracts-unfinished-deliveries";

    internal async ValueTask SettleAsync(IChannel channel, ulong deliveryTag, bool acknowledge, string endpoint, bool multiple = false)
    {
        try
        {
            if (acknowledge)
            {
                await channel.BasicAckAsync(deliveryTag, multiple).ConfigureAwait(false);
            }
            else
            {
                await channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            // The channel closed under the delivery: the broker requeued it already and delivers it again; an
            // endpoint with an inbox drops the repeat of work it finished.
            Log.SettleLost(_logger, ex, deliveryTag, endpoint);
        }
    }
}
