using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Contracts.Transport.RabbitMq;

/// <summary>Publishing: sends and delayed sends, and the confirmed publish with retry that replies, dead letters and replays use too.</summary>
internal sealed partial class RabbitMqTransport
{
    private IChannel Publisher => _publisher ?? throw new InvalidOperationException("The RabbitMQ transport has not started: start the host before sending.");

    /// <summary>The one channel every publish goes through, with publisher confirms.</summary>
    private Task<IChannel> OpenPublisherAsync(IConnection connection, CancellationToken cancellationToken) =>
        connection.CreateChannelAsync(
            new CreateChannelOptions(
                publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true,
                // A plain window: a publish waits for a free slot. RabbitMQ.Client's default ThrottlingRateLimiter
                // instead sleeps 0.5-1 s once half the window is outstanding.
                outstandingPublisherConfirmationsRateLimiter: new ConcurrencyLimiter(new ConcurrencyLimiterOptions
                {
                    PermitLimit = _options.ConfirmWindow,
                    QueueLimit = int.MaxValue,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                })),
            cancellationToken);

    public ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken) =>
        endpoint is not null
            ? SendToAsync(endpoint.Name, mandatory: true, envelope, cancellationToken)
            : SendToAsync(TransportEndpoint.AddressOf(envelope.Contract), mandatory: envelope.Contract.Kind != MessageKind.Event, envelope, cancellationToken);

    private ValueTask SendToAsync(string routingKey, bool mandatory, Envelope envelope, CancellationToken cancellationToken)
    {
        BasicProperties properties = AmqpHeaders.Write(envelope);
        if (envelope.DeliverBy is { } deliverBy)
        {
            long ttl = Math.Max(1, (long)(deliverBy - _time.GetUtcNow()).TotalMilliseconds);
            properties.Expiration = ttl.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (envelope.DeliverAt is { } due && due - _time.GetUtcNow() is { } delay && delay >= TimeSpan.FromMilliseconds(1))
        {
            return PublishDelayedAsync(routingKey, properties, envelope.Payload, delay, cancellationToken);
        }

        return PublishAsync(_options.Exchange, routingKey, mandatory, properties, envelope.Payload, cancellationToken, envelope.Contract);
    }

    /// <summary>Holds a message for <paramref name="delay"/> in the largest delay level that fits, then routes it by <paramref name="routingKey"/>.</summary>
    private async ValueTask PublishDelayedAsync(string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, TimeSpan delay, CancellationToken cancellationToken)
    {
        int level = Math.Clamp((int)Math.Floor(Math.Log2(Math.Max(1, delay.TotalMilliseconds))), 0, DelayLevels - 1);
        await EnsureDelayLevelAsync(level).WaitAsync(cancellationToken).ConfigureAwait(false);

        // A per-message TTL would expire only at the queue's head; the level's own TTL keeps every message in order.
        properties.Expiration = null;
        await PublishAsync(DelayName(level), routingKey, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes and waits for the broker's confirm. While the connection is lost the publish is tried again, with the
    /// same message id, until <see cref="RabbitMqTransportOptions.PublishTimeout"/>: a confirm lost with the connection
    /// may mean the broker has the message already, and the consumer's inbox drops the second copy.
    /// </summary>
    internal async ValueTask PublishAsync(
        string exchange, string routingKey, bool mandatory, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken, ContractDescriptor? contract = null)
    {
        long started = Stopwatch.GetTimestamp();
        int attempt = 0;
        while (true)
        {
            try
            {
                await Publisher.BasicPublishAsync(exchange, routingKey, mandatory, properties, body, cancellationToken).ConfigureAwait(false);
                if (attempt > 0)
                {
                    Log.PublishRecovered(_logger, properties.MessageId, attempt);
                }

                return;
            }
            catch (PublishReturnException ex)
            {
                throw contract is not null
                    ? new NoHandlerException(contract,
                        $"No queue on RabbitMQ is bound for {contract.Kind.ToString().ToLowerInvariant()} '{contract}' (exchange '{exchange}', routing key '{routingKey}'): " +
                        "no process with its handler has started yet, or its queue was deleted. The message was not sent.")
                    : new InvalidOperationException($"RabbitMQ returned the message: nothing is bound for '{routingKey}' on exchange '{exchange}' ({ex.ReplyText}).", ex);
            }
            catch (PublishException ex)
            {
                // A negative confirm: the queue is full and refuses publishes (FullMode Reject).
                throw new EndpointFullException(routingKey, $"RabbitMQ refused the message for '{routingKey}' (a negative publisher confirm): its queue is full and rejects new messages.", ex);
            }
            catch (Exception ex) when (IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
            {
                if (Stopwatch.GetElapsedTime(started) > _options.PublishTimeout)
                {
                    throw new TimeoutException(
                        $"RabbitMQ did not take message {properties.MessageId} for '{routingKey}' within {_options.PublishTimeout} (PublishTimeout): the connection is down. {ex.Message}", ex);
                }

                if (attempt++ == 0)
                {
                    Log.PublishRetrying(_logger, ex, properties.MessageId, routingKey);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * attempt)), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
