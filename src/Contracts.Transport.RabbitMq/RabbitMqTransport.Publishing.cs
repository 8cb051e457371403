using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Contracts.Transport.RabbitMq;

/// <summary>Publishing: sends and delayed sends, and the confirmed publish with retry that replies, dead letters and replays use too.</summary>
internal sealed partial class RabbitMqTransport
{
    private PublishLink Link => Volatile.Read(ref _link) ?? throw new InvalidOperationException("The RabbitMQ transport has not started: start the host before sending.");

    /// <summary>The publishing connection's negotiated frame size: a message's properties must fit one frame.</summary>
    internal uint FrameMax => Link.Connection.FrameMax;

    /// <summary>Opens the publishing connection and its one confirmed channel.</summary>
    private async Task<PublishLink> OpenLinkAsync(int generation, CancellationToken cancellationToken)
    {
        IConnection connection = await ConnectAsync("publishing", cancellationToken).ConfigureAwait(false);
        try
        {
            // No rate limiter: RabbitMQ.Client frees its slot when the message is written, not when it is confirmed,
            // so the confirm window is the transport's own (_window), held until the confirm.
            IChannel channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null),
                cancellationToken).ConfigureAwait(false);
            return new PublishLink(connection, channel, generation);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken) =>
        endpoint is not null
            ? SendToAsync(endpoint.Name, mandatory: true, envelope, cancellationToken)
            : SendToAsync(TransportEndpoint.AddressOf(envelope.Contract), mandatory: envelope.Contract.Kind != MessageKind.Event, envelope, cancellationToken);

    /// <summary>To the endpoint or contract named <paramref name="routingKey"/>; a published event (not mandatory) goes through the topic exchange.</summary>
    private ValueTask SendToAsync(string routingKey, bool mandatory, Envelope envelope, CancellationToken cancellationToken)
    {
        BasicProperties properties = AmqpHeaders.Write(envelope);
        string exchange = mandatory ? _options.Exchange : TopicExchange;
        if (envelope.Contract.HasPartitionKey)
        {
            // To the partition queue of the key; a keyed event goes to the direct exchange, where each subscription's
            // partition queue (or a topic subscription's queue) is bound by the partitioned routing key.
            routingKey = Partitioned(routingKey, envelope, properties);
            exchange = _options.Exchange;
        }

        if (envelope.DeliverBy is { } deliverBy)
        {
            long ttl = Math.Max(1, (long)(deliverBy - _time.GetUtcNow()).TotalMilliseconds);
            properties.Expiration = ttl.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (envelope.DeliverAt is { } due && due - _time.GetUtcNow() is { } delay && delay >= TimeSpan.FromMilliseconds(1))
        {
            return PublishDelayedAsync(routingKey, properties, envelope.Payload, delay, events: !mandatory, cancellationToken);
        }

        return PublishAsync(exchange, routingKey, mandatory, properties, envelope.Payload, cancellationToken, envelope.Contract);
    }

    /// <summary>Holds a message for <paramref name="delay"/> in the largest delay level that fits, then routes it by <paramref name="routingKey"/>.</summary>
    private async ValueTask PublishDelayedAsync(string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, TimeSpan delay, bool events, CancellationToken cancellationToken)
    {
        int level = Math.Clamp((int)Math.Floor(Math.Log2(Math.Max(1, delay.TotalMilliseconds))), 0, DelayLevels - 1);
        await EnsureDelayLevelAsync(events ? DelayLevels + level : level).WaitAsync(cancellationToken).ConfigureAwait(false);

        // A per-message TTL would expire only at the queue's head; the level's own TTL keeps every message in order.
        properties.Expiration = null;
        await PublishAsync(events ? EventDelayName(level) : DelayName(level), routingKey, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes and waits for the broker's confirm, within <see cref="RabbitMqTransportOptions.PublishTimeout"/> in
    /// all: a slot of the confirm window, the publish and its confirm, and every retry. While the connection is lost,
    /// or after the watchdog gave up a wedged one, the publish is tried again with the same message id: a confirm lost
    /// with the connection may mean the broker has the message already, and the consumer's inbox drops the second copy.
    /// </summary>
    internal async ValueTask PublishAsync(
        string exchange, string routingKey, bool mandatory, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken, ContractDescriptor? contract = null)
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan timeout = _options.PublishTimeout;
        if (!await _window.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException(
                $"Message {properties.MessageId} for '{routingKey}' waited {timeout} (PublishTimeout) for room in the confirm window ({_options.ConfirmWindow} publishes " +
                "waiting for their publisher confirm): the broker confirms nothing. It was not sent.");
        }

        try
        {
            int attempt = 0;
            while (true)
            {
                TimeSpan remaining = Remaining(started, timeout);
                if (remaining == TimeSpan.Zero)
                {
                    // The slot of the window came at the deadline: nothing goes on the wire after it.
                    throw new TimeoutException($"Message {properties.MessageId} for '{routingKey}' was not sent within {timeout} (PublishTimeout).");
                }

                PublishLink link = Link;
                bool confirmed = false;
                link.Begin();
                try
                {
                    await ConfirmedPublishAsync(link, exchange, routingKey, mandatory, properties, body, started, timeout, cancellationToken).ConfigureAwait(false);
                    confirmed = true;
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
                            "no process with its handler has started yet, or its queue was deleted" +
                            (contract.HasPartitionKey ? $", or its consumers run with another RabbitMqTransportOptions.Partitions than this process's {_options.Partitions}" : "") +
                            ". The message was not sent.")
                        : new InvalidOperationException($"RabbitMQ returned the message: nothing is bound for '{routingKey}' on exchange '{exchange}' ({ex.ReplyText}).", ex);
                }
                catch (PublishException ex)
                {
                    // A negative confirm: the queue is full and refuses publishes (FullMode Reject).
                    throw new EndpointFullException(routingKey, $"RabbitMQ refused the message for '{routingKey}' (a negative publisher confirm): its queue is full and rejects new messages.", ex);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (IsConnectionFailure(ex) || ex is TimeoutException || (ex is OperationCanceledException && link.IsLost)))
                {
                    if (Stopwatch.GetElapsedTime(started) >= timeout)
                    {
                        throw new TimeoutException(
                            $"RabbitMQ did not confirm message {properties.MessageId} for '{routingKey}' within {timeout} (PublishTimeout): " +
                            $"{(ex is TimeoutException ? "no confirm came" : "the connection is down")}. It may or may not have reached the broker. {ex.Message}", ex);
                    }

                    if (attempt++ == 0)
                    {
                        Log.PublishRetrying(_logger, ex, properties.MessageId, routingKey);
                    }

                    if (!link.IsLost)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * attempt)), _time, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    link.End(confirmed);
                }
            }
        }
        finally
        {
            _window.Release();
        }
    }

    /// <summary>
    /// One publish on <paramref name="link"/>, waited for no longer than its deadline (<paramref name="started"/> plus
    /// <paramref name="timeout"/>, kept by the <see cref="PublishDeadline"/> of its slice) and no longer than the link
    /// lives: RabbitMQ.Client can leave a publish waiting for ever when its connection shuts down under confirms, so
    /// the wait is the transport's, not the client's.
    /// </summary>
    private async ValueTask ConfirmedPublishAsync(
        PublishLink link, string exchange, string routingKey, bool mandatory, BasicProperties properties, ReadOnlyMemory<byte> body,
        long started, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ValueTask publish = link.Channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, body, cancellationToken);
        if (publish.IsCompletedSuccessfully)
        {
            return;
        }

        PublishDeadline deadline = DeadlineOf(link, started, timeout);
        try
        {
            if (!cancellationToken.CanBeCanceled)
            {
                await publish.AsTask().WaitAsync(deadline.Token).ConfigureAwait(false);
                return;
            }

            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            await publish.AsTask().WaitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (deadline.Token.IsCancellationRequested && !link.IsLost && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("No publisher confirm came before the deadline.", ex);
        }
    }

    /// <summary>The deadline shared by the publishes on <paramref name="link"/> whose deadlines fall in the slice of this one's.</summary>
    private PublishDeadline DeadlineOf(PublishLink link, long started, TimeSpan timeout)
    {
        long slice = PublishDeadline.SliceOf(started, timeout);
        PublishDeadline? current = Volatile.Read(ref _deadline);
        if (current is not null && current.Slice == slice && ReferenceEquals(current.Link, link))
        {
            return current;
        }

        // Publishes start in about the order of their deadlines, so one slot serves: a late one (a retry, or one that
        // waited long for the window) takes a deadline of its own without displacing the newer slice.
        PublishDeadline fresh = PublishDeadline.Start(link, slice, timeout, _time);
        if (current is null || slice >= current.Slice)
        {
            Interlocked.CompareExchange(ref _deadline, fresh, current);
        }

        return fresh;
    }

    private static TimeSpan Remaining(long started, TimeSpan timeout)
    {
        TimeSpan left = timeout - Stopwatch.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>
    /// Once a second: gives up a link that is wedged (publishes waiting and no confirm for <see cref="RabbitMqTransportOptions.ConfirmTimeout"/>
    /// while the broker does not block it) or whose channel the broker closed, and opens a new one. Runs until the
    /// transport is disposed, since handlers finishing during a stop still publish.
    /// </summary>
    private async Task WatchPublishingAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token).ConfigureAwait(false))
            {
                PublishLink link = Link;
                TimeSpan stalled = link.StalledFor;
                if (stalled >= _options.ConfirmTimeout && !link.Blocked)
                {
                    Log.PublishingStalled(_logger, link.Outstanding, stalled, link.Generation);
                    await ReplaceLinkAsync(link).ConfigureAwait(false);
                }
                else if (!link.Channel.IsOpen && link.Connection.IsOpen)
                {
                    Log.PublishChannelClosed(_logger, link.Channel.CloseReason?.ReplyCode ?? 0, link.Channel.CloseReason?.ReplyText ?? "");
                    await ReplaceLinkAsync(link).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            // Disposed: nothing publishes any more.
        }
    }

    /// <summary>Opens a new link, makes it the one publishes use, then gives up <paramref name="old"/> and aborts its connection in the background.</summary>
    private async Task ReplaceLinkAsync(PublishLink old)
    {
        PublishLink fresh;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10), _time);
            fresh = await OpenLinkAsync(old.Generation + 1, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException || IsConnectionFailure(ex))
        {
            Log.RelinkFailed(_logger, ex);
            return; // the next tick tries again
        }

        Volatile.Write(ref _link, fresh);
        old.MarkLost();
        Log.Relinked(_logger, fresh.Generation);
        _ = AbortQuietlyAsync(old.Connection);
    }

    /// <summary>Aborts a given-up connection; one wedged so deeply that even that hangs is left to the garbage collector.</summary>
    private async Task AbortQuietlyAsync(IConnection connection)
    {
        try
        {
            await connection.AbortAsync(TimeSpan.FromSeconds(2)).WaitAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
            connection.Dispose();
        }
        catch (Exception ex) when (ex is TimeoutException || IsConnectionFailure(ex))
        {
            Log.StopFailed(_logger, ex, "a replaced publishing connection");
        }
    }
}
