using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// The RabbitMQ transport. Topology, declared at start from this process's endpoints:
/// <list type="bullet">
/// <item>one durable direct exchange (<see cref="RabbitMqTransportOptions.Exchange"/>);</item>
/// <item>a durable queue per endpoint, bound with its own name; an event subscription's queue is also bound with its
/// contract's name, so a publish reaches every subscription and a retry reaches one;</item>
/// <item>a durable <c>.error</c> queue per endpoint for dead letters (and <c>{exchange}.error</c> for those of no endpoint),
/// which <see cref="IDeadLetters"/> lists, replays and purges;</item>
/// <item>delay levels, declared when first used: exchange and queue <c>{exchange}.delay.{k}</c> holding a message
/// 2^k ms, then dead-lettering it back to the exchange with its routing key. A delay takes the largest level that
/// fits; the consumer sends an early arrival on to the next level, so a delay of d ms takes at most log2(d) hops;</item>
/// <item>an exclusive reply queue per process for query replies.</item>
/// </list>
/// Publishes are persistent and wait for publisher confirms; commands and queries are mandatory, so one that no
/// queue is bound for fails instead of vanishing. A delivery is acknowledged after the runtime settled it.
/// </summary>
internal sealed partial class RabbitMqTransport : ITransport
{
    private const int DelayLevels = 32;

    private readonly RabbitMqTransportOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Task?[] _delayLevels = new Task?[DelayLevels];
    private readonly List<(IChannel Channel, string ConsumerTag)> _consumers = [];
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private IConnection? _connection;
    private IChannel? _publisher;
    private IChannel? _replies;
    private TransportContext? _context;
    private TransportEndpoint[] _consumed = [];
    private long _inFlight;
    private long _deadLetterIds;

    public RabbitMqTransport(RabbitMqTransportOptions options, ILogger<RabbitMqTransport> logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
        ReplyAddress = $"{options.Exchange}.reply.{Guid.NewGuid():N}";
        _deadLetterIds = ((long)Random.Shared.Next(1 << 12)) & 0xFFF;
        DeadLetters = new RabbitMqDeadLetters(this);
    }

    public TransportCapabilities Capabilities =>
        TransportCapabilities.NativeDelay | TransportCapabilities.NativeDeadLetters | TransportCapabilities.CompetingConsumers |
        TransportCapabilities.RequestReply | TransportCapabilities.Durable;

    public string ReplyAddress { get; }

    string? ITransport.ReplyAddress => ReplyAddress;

    public IDeadLetterQueue DeadLetters { get; }

    internal RabbitMqTransportOptions Options => _options;

    internal IConnection Connection => _connection ?? throw new InvalidOperationException("The RabbitMQ transport has not started: start the host first.");

    /// <summary>The error queues this process keeps: one per endpoint it consumes, and the exchange's own.</summary>
    internal IReadOnlyList<string> ErrorQueues { get; private set; } = [];

    /// <summary>
    /// A dead letter's id: Unix milliseconds and a counter that starts at random, so ids increase in time and two
    /// processes moving letters in the same millisecond are unlikely to collide.
    /// </summary>
    internal long NextDeadLetterId() => (_time.GetUtcNow().ToUnixTimeMilliseconds() << 12) | (Interlocked.Increment(ref _deadLetterIds) & 0xFFF);

    private IChannel Publisher => _publisher ?? throw new InvalidOperationException("The RabbitMQ transport has not started: start the host before sending.");

    public async Task StartAsync(TransportContext context, CancellationToken cancellationToken)
    {
        _context = context;
        var consumed = new List<TransportEndpoint>();
        foreach (TransportEndpoint endpoint in context.Endpoints)
        {
            if (endpoint.Options.Consume)
            {
                consumed.Add(endpoint);
            }
        }

        _consumed = [.. consumed];
        var errorQueues = new List<string>(_consumed.Length + 1) { ErrorQueue("") };
        foreach (TransportEndpoint endpoint in _consumed)
        {
            errorQueues.Add(ErrorQueue(endpoint.Name));
        }

        ErrorQueues = errorQueues;
        foreach (TransportEndpoint endpoint in _consumed)
        {
            if (endpoint.Options.FullMode == EndpointFullMode.DropNewest)
            {
                throw new NotSupportedException(
                    $"Endpoint '{endpoint.Name}' asks for FullMode DropNewest, which RabbitMQ cannot do silently (a full queue refuses the publish). " +
                    "Choose DropOldest (the broker drops the head), Reject (the producer gets EndpointFullException) or Wait.");
            }
        }

        var factory = new ConnectionFactory
        {
            Uri = _options.Uri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            ClientProvidedName = _options.ConnectionName ?? $"contracts {Path.GetFileNameWithoutExtension(Environment.ProcessPath)} {Environment.ProcessId}",
        };
        try
        {
            _connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException ex)
        {
            throw new InvalidOperationException(
                $"RabbitMQ at {_options.Uri.Host}:{_options.Uri.Port} is not reachable ({ex.InnerException?.Message ?? ex.Message}). " +
                "Start the broker (scripts/rabbitmq.sh start in the Contracts repository) or fix the URI given to UseRabbitMq.", ex);
        }

        _connection.ConnectionShutdownAsync += OnConnectionLostAsync;
        _connection.RecoverySucceededAsync += OnRecoveredAsync;

        _publisher = await _connection.CreateChannelAsync(
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
            cancellationToken).ConfigureAwait(false);
        await _publisher.ExchangeDeclareAsync(_options.Exchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);

        await _publisher.QueueDeclareAsync(ErrorQueue(""), durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (TransportEndpoint endpoint in _consumed)
        {
            await DeclareEndpointAsync(_publisher, endpoint, cancellationToken).ConfigureAwait(false);
        }

        _replies = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await _replies.QueueDeclareAsync(ReplyAddress, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        var replyConsumer = new AsyncEventingBasicConsumer(_replies);
        replyConsumer.ReceivedAsync += OnReplyAsync;
        await _replies.BasicConsumeAsync(ReplyAddress, autoAck: true, replyConsumer, cancellationToken).ConfigureAwait(false);

        foreach (TransportEndpoint endpoint in _consumed)
        {
            await ConsumeAsync(_connection, endpoint, cancellationToken).ConfigureAwait(false);
        }

        Log.Started(_logger, _options.Uri.Host, _options.Uri.Port, _consumed.Length, _options.Exchange);
    }

    private async Task DeclareEndpointAsync(IChannel channel, TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        EndpointOptions options = endpoint.Options;
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (options.MaxPriority > 0)
        {
            arguments["x-max-priority"] = options.MaxPriority;
        }

        if (options.FullMode is EndpointFullMode.DropOldest or EndpointFullMode.Reject)
        {
            arguments["x-max-length"] = options.Capacity;
            arguments["x-overflow"] = options.FullMode == EndpointFullMode.DropOldest ? "drop-head" : "reject-publish";
        }

        try
        {
            await channel.QueueDeclareAsync(endpoint.Name, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
        {
            throw new InvalidOperationException(
                $"Queue '{endpoint.Name}' exists on the broker with other settings (priority, length limit or overflow) than this endpoint's. " +
                $"RabbitMQ cannot change a queue's arguments: delete the queue (after draining it) or keep the settings. Broker: {ex.ShutdownReason.ReplyText}", ex);
        }

        await channel.QueueBindAsync(endpoint.Name, _options.Exchange, endpoint.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (endpoint.ContractAddress != endpoint.Name)
        {
            await channel.QueueBindAsync(endpoint.Name, _options.Exchange, endpoint.ContractAddress, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await channel.QueueDeclareAsync(ErrorQueue(endpoint.Name), durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

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
        var control = new RabbitMqDelivery(this, channel, endpoint, delivery);
        try
        {
            if (_stopping.IsCancellationRequested)
            {
                return; // requeued below: the broker delivers it again, here after a restart or to another process
            }

            AmqpHeaders headers = AmqpHeaders.Of(delivery.BasicProperties);
            DateTimeOffset now = _time.GetUtcNow();
            if (EnvelopeCodec.Number(headers, EnvelopeHeaders.DeliverAt) is { } dueMs && DateTimeOffset.FromUnixTimeMilliseconds(dueMs) - now is { } early &&
                early >= TimeSpan.FromMilliseconds(1))
            {
                // Arrived through a delay level before its time: on to the next level, addressed to this endpoint only.
                await PublishDelayedAsync(endpoint.Name, new BasicProperties(delivery.BasicProperties), delivery.Body, early, _stopping.Token).ConfigureAwait(false);
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

    private Task OnReplyAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (!Guid.TryParse(delivery.BasicProperties.CorrelationId, out Guid queryId))
        {
            Log.BadReply(_logger, delivery.BasicProperties.CorrelationId);
            return Task.CompletedTask;
        }

        AmqpHeaders read = AmqpHeaders.Of(delivery.BasicProperties);
        QueryResponse reply = read.Get(EnvelopeHeaders.ErrorType) is { } errorType
            ? QueryResponse.Failure(errorType, read.Get(EnvelopeHeaders.ErrorMessage) ?? "")
            : QueryResponse.Success(delivery.Body.ToArray());
        _context!.Receiver.ReceiveReply(queryId, reply);
        return Task.CompletedTask;
    }

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

    public ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken)
    {
        if (query.ReplyTo is not { Length: > 0 } replyTo)
        {
            return ValueTask.CompletedTask;
        }

        var properties = new BasicProperties
        {
            CorrelationId = query.MessageId.ToString(),
            Type = query.Contract.Name,
            ContentType = EnvelopeHeaders.ContentType,
        };
        if (reply.IsFailure)
        {
            properties.Headers = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [EnvelopeHeaders.ErrorType] = reply.ErrorType,
                [EnvelopeHeaders.ErrorMessage] = reply.ErrorMessage,
            };
        }

        // Not mandatory: a caller that gave up and stopped has no reply queue any more, and nothing is lost.
        return PublishAsync("", replyTo, mandatory: false, properties, reply.Result, cancellationToken);
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

    private Task EnsureDelayLevelAsync(int level)
    {
        Task? declared = Volatile.Read(ref _delayLevels[level]);
        if (declared is { IsFaulted: false })
        {
            return declared;
        }

        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? current = Interlocked.CompareExchange(ref _delayLevels[level], mine.Task, declared);
        if (current != declared)
        {
            return current!;
        }

        _ = DeclareDelayLevelAsync(level, mine);
        return mine.Task;
    }

    private async Task DeclareDelayLevelAsync(int level, TaskCompletionSource done)
    {
        try
        {
            string name = DelayName(level);
            IChannel channel = Publisher;
            await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false).ConfigureAwait(false);
            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["x-message-ttl"] = 1L << level,
                ["x-dead-letter-exchange"] = _options.Exchange,
            };
            await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments).ConfigureAwait(false);
            await channel.QueueBindAsync(name, name, "").ConfigureAwait(false);
            done.TrySetResult();
        }
        catch (Exception ex)
        {
            done.TrySetException(ex);
        }
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

    private static bool IsConnectionFailure(Exception exception) =>
        exception is OperationInterruptedException or IOException or SocketException or ObjectDisposedException ||
        (exception is RabbitMQClientException && exception is not PublishException);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        (IChannel Channel, string ConsumerTag)[] consumers;
        lock (_consumers)
        {
            consumers = [.. _consumers];
        }

        foreach ((IChannel channel, string tag) in consumers)
        {
            try
            {
                await channel.BasicCancelAsync(tag, noWait: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                Log.StopFailed(_logger, ex, tag);
            }
        }

        // Deliveries already running finish and are acknowledged; any that arrive now are left for redelivery.
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (Interlocked.Read(ref _inFlight) == 0)
        {
            _idle.TrySetResult();
        }

        await _idle.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        foreach ((IChannel channel, string _) in _consumers)
        {
            await CloseQuietlyAsync(channel).ConfigureAwait(false);
        }

        await CloseQuietlyAsync(_replies).ConfigureAwait(false);
        await CloseQuietlyAsync(_publisher).ConfigureAwait(false);
        if (_connection is { } connection)
        {
            try
            {
                await connection.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                Log.StopFailed(_logger, ex, "connection");
            }

            connection.Dispose();
        }

        _stopping.Dispose();
    }

    private async ValueTask CloseQuietlyAsync(IChannel? channel)
    {
        if (channel is null)
        {
            return;
        }

        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            Log.StopFailed(_logger, ex, "channel");
        }

        channel.Dispose();
    }

    private Task OnConnectionLostAsync(object sender, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            Log.ConnectionLost(_logger, args.ReplyCode, args.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs args)
    {
        Log.ConnectionRecovered(_logger);
        return Task.CompletedTask;
    }

    /// <summary>Where an endpoint's dead letters go; those of no endpoint go to the exchange's own error queue.</summary>
    internal string ErrorQueue(string endpoint) => (endpoint.Length == 0 ? _options.Exchange : endpoint) + ".error";

    private string DelayName(int level) => $"{_options.Exchange}.delay.{level}";

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "RabbitMQ transport connected to {Host}:{Port}: {Endpoints} endpoints consuming, exchange {Exchange}")]
        public static partial void Started(ILogger logger, string host, int port, int endpoints, string exchange);

        [LoggerMessage(103, LogLevel.Warning, "Message {MessageId} on endpoint {Endpoint} was not settled and will be delivered again")]
        public static partial void NotSettled(ILogger logger, Exception exception, string? messageId, string endpoint);

        [LoggerMessage(104, LogLevel.Warning, "Delivery {DeliveryTag} on endpoint {Endpoint} could not be acknowledged (the channel closed); the broker delivers it again")]
        public static partial void SettleLost(ILogger logger, Exception exception, ulong deliveryTag, string endpoint);

        [LoggerMessage(105, LogLevel.Warning, "A reply with correlation id '{CorrelationId}' is not a query's reply; dropped")]
        public static partial void BadReply(ILogger logger, string? correlationId);

        [LoggerMessage(106, LogLevel.Warning, "Publishing message {MessageId} to {RoutingKey} failed (connection lost); retrying with the same message id")]
        public static partial void PublishRetrying(ILogger logger, Exception exception, string? messageId, string routingKey);

        [LoggerMessage(107, LogLevel.Information, "Message {MessageId} was published after {Attempts} retries")]
        public static partial void PublishRecovered(ILogger logger, string? messageId, int attempts);

        [LoggerMessage(108, LogLevel.Debug, "Closing {What} failed")]
        public static partial void StopFailed(ILogger logger, Exception exception, string what);

        [LoggerMessage(109, LogLevel.Warning, "RabbitMQ connection lost ({ReplyCode} {ReplyText}); recovering")]
        public static partial void ConnectionLost(ILogger logger, ushort replyCode, string replyText);

        [LoggerMessage(110, LogLevel.Information, "RabbitMQ connection recovered; consumers resume")]
        public static partial void ConnectionRecovered(ILogger logger);
    }
}
