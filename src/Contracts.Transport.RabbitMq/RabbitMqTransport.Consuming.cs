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
        ushort concurrency = (ushort)Math.Clamp(endpoint.Options.MaxConcurrency, 1, ushort.MaxValue);
        IChannel channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: concurrency), cancellationToken).ConfigureAwait(false);
        ushort prefetch = (ushort)Math.Clamp((long)endpoint.Options.MaxConcurrency * _options.PrefetchPerConsumer, 1, ushort.MaxValue);
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(endpoint, channel, delivery);
        string tag = await channel.BasicConsumeAsync(endpoint.Name, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        lock (_consumers)
        {
            _consumers.Add((channel, tag));
        }
    }

    private async Task OnDeliveryAsync(TransportEndpoint endpoint, IChannel channel, BasicDeliverEventArgs delivery)
    {
        TransportContext context = _context!;
        Interlocked.Increment(ref _inFlight);
        AmqpHeaders headers = AmqpHeaders.Of(delivery.BasicProperties);
        int unfinished = (int)Math.Clamp(EnvelopeCodec.Number(headers, UnfinishedDeliveries) ?? 0, 0, int.MaxValue - 2) + (delivery.Redelivered ? 1 : 0);
        var control = new RabbitMqDelivery(this, channel, endpoint, delivery, deliveryCount: unfinished + 1);
        try
        {
            if (_stopping.IsCancellationRequested)
            {
                return; // requeued below: the broker delivers it again, here after a restart or to another process
            }

            if (delivery.Redelivered)
            {
                // A classic queue keeps no delivery count, only this flag: an earlier delivery did not finish (the
                // process died under it, or lost its connection). The count goes into a copy at the back of this
                // endpoint's queue before anything runs again, so a message that takes the process down is found
                // out after ContractsOptions.MaxUnfinishedDeliveries crashes instead of crashing every start.
                await PublishAsync("", endpoint.Name, mandatory: true, AmqpHeaders.WithHeader(delivery.BasicProperties, UnfinishedDeliveries, unfinished), delivery.Body, _stopping.Token)
                    .ConfigureAwait(false);
                await control.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }

            DateTimeOffset now = _time.GetUtcNow();
            if (EnvelopeCodec.Time(headers, EnvelopeHeaders.DeliverAt) - now is { } early && early >= TimeSpan.FromMilliseconds(1) && early <= context.MaxDeliveryDelay)
            {
                // Arrived through a delay level before its time: on to the next level, addressed to this endpoint only.
                // One due beyond MaxDeliveryDelay goes to the runtime instead, which dead-letters it (DelayTooLong).
                await PublishDelayedAsync(endpoint.Name, new BasicProperties(delivery.BasicProperties), delivery.Body, early, events: false, _stopping.Token).ConfigureAwait(false);
                await control.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }

            await context.Receiver.ReceiveAsync(endpoint, headers, delivery.Body, control, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not settled (the bus is stopping, or the broker failed under a retry or dead letter): it is delivered again.
            Log.NotSettled(_logger, ex, delivery.BasicProperties.MessageId, endpoint.Name);
        }
        finally
        {
            if (!control.Settled)
            {
                await control.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping.IsCancellationRequested)
            {
                _idle.TrySetResult();
            }
        }
    }

    /// <summary>The header of a message's copy that counts the deliveries of it that did not finish.</summary>
    internal const string UnfinishedDeliveries = "contracts-unfinished-deliveries";

    internal async ValueTask SettleAsync(IChannel channel, ulong deliveryTag, bool acknowledge, string endpoint)
    {
        try
        {
            if (acknowledge)
            {
                await channel.BasicAckAsync(deliveryTag, multiple: false).ConfigureAwait(false);
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
