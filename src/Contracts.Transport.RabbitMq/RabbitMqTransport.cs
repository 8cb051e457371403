using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
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
    // The state of every part; the parts are RabbitMqTransport.Topology, .Publishing, .Consuming, .Replies and .Log.
    private const int DelayLevels = 32;

    private readonly RabbitMqTransportOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Task?[] _delayLevels = new Task?[2 * DelayLevels]; // the levels of sends, then of delayed events (RabbitMqTransport.Topics)
    private readonly List<(IChannel Channel, string ConsumerTag)> _consumers = [];
    private readonly List<PartitionLanes> _lanes = []; // of the partitioned endpoints (RabbitMqTransport.Partitions), under the lock of _consumers
    private readonly List<OrderedAcks> _orderedAcks = []; // of the channels settled in order (RabbitMqTransport.Consuming), under the lock of _consumers
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly SemaphoreSlim _window;
    private IConnection? _connection;
    private PublishLink? _link;
    private PublishDeadline? _deadline; // of the newest slice (RabbitMqTransport.Publishing)
    private Task _watchdog = Task.CompletedTask;
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
        _window = new SemaphoreSlim(options.ConfirmWindow, options.ConfirmWindow);
        ReplyAddress = $"{options.Exchange}.reply.{Guid.NewGuid():N}";
        _deadLetterIds = ((long)Random.Shared.Next(1 << 12)) & 0xFFF;
        DeadLetters = new RabbitMqDeadLetters(this);
    }

    /// <inheritdoc />
    public string MessagingSystem => "rabbitmq";

    /// <inheritdoc />
    public TransportCapabilities Capabilities =>
        TransportCapabilities.NativeDelay | TransportCapabilities.NativeDeadLetters | TransportCapabilities.CompetingConsumers |
        TransportCapabilities.RequestReply | TransportCapabilities.Durable;

    public string ReplyAddress { get; }

    string? ITransport.ReplyAddress => ReplyAddress;

    public IDeadLetterQueue DeadLetters { get; }

    internal RabbitMqTransportOptions Options => _options;

    /// <summary>The consuming connection: endpoint consumers, the reply queue, topology and dead-letter browsing.</summary>
    internal IConnection Connection => _connection ?? throw new InvalidOperationException("The RabbitMQ transport has not started: start the host first.");

    /// <summary>The error queues this process keeps: one per endpoint it consumes, and the exchange's own.</summary>
    internal IReadOnlyList<string> ErrorQueues { get; private set; } = [];

    /// <summary>
    /// A dead letter's id: Unix milliseconds and a counter that starts at random, so ids increase in time and two
    /// processes moving letters in the same millisecond are unlikely to collide.
    /// </summary>
    internal long NextDeadLetterId() => (_time.GetUtcNow().ToUnixTimeMilliseconds() << 12) | (Interlocked.Increment(ref _deadLetterIds) & 0xFFF);

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

            if (IsPartitioned(endpoint) && endpoint.Options.MaxPriority > 0)
            {
                throw new NotSupportedException(
                    $"Endpoint '{endpoint.Name}' has MaxPriority {endpoint.Options.MaxPriority}, but its contract '{endpoint.Contract.Name}' has a partition key: " +
                    "priority would let a key's later message overtake an earlier one. Remove MaxPriority or the partition key.");
            }
        }

        _connection = await ConnectAsync("consuming", cancellationToken).ConfigureAwait(false);
        _link = await OpenLinkAsync(generation: 0, cancellationToken).ConfigureAwait(false);
        await using (IChannel topology = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await DeclareTopologyAsync(topology, cancellationToken).ConfigureAwait(false);
        }

        _watchdog = WatchPublishingAsync();
        await ConsumeRepliesAsync(_connection, cancellationToken).ConfigureAwait(false);

        foreach (TransportEndpoint endpoint in _consumed)
        {
            await ConsumeAsync(_connection, endpoint, cancellationToken).ConfigureAwait(false);
        }

        Log.Started(_logger, _options.Uri.Host, _options.Uri.Port, _consumed.Length, _options.Exchange);
    }

    /// <summary>
    /// A connection that recovers by itself. It accepts a body as large as RabbitMQ can ever hold (512 MiB), so that a
    /// message over RabbitMQ.Client's default limit of 64 MiB reaches the runtime, which dead-letters one over
    /// <see cref="ContractsOptions.MaxPayloadBytes"/>, instead of closing the connection every time it is delivered.
    /// </summary>
    private async Task<IConnection> ConnectAsync(string role, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = _options.Uri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            RequestedHeartbeat = _options.Heartbeat,
            MaxInboundMessageBodySize = MaxBrokerMessageBytes,
            ClientProvidedName = $"{_options.ConnectionName ?? $"contracts {Path.GetFileNameWithoutExtension(Environment.ProcessPath)} {Environment.ProcessId}"} ({role})",
        };
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException ex)
        {
            throw new InvalidOperationException(
                $"RabbitMQ at {_options.Uri.Host}:{_options.Uri.Port} is not reachable ({ex.InnerException?.Message ?? ex.Message}). " +
                "Start the broker (scripts/rabbitmq.sh start in the Contracts repository) or fix the URI given to UseRabbitMq.", ex);
        }

        connection.ConnectionShutdownAsync += OnConnectionLostAsync;
        connection.RecoverySucceededAsync += OnRecoveredAsync;
        return connection;
    }

    /// <summary>The largest message RabbitMQ accepts with any setting of <c>max_message_size</c>.</summary>
    private const uint MaxBrokerMessageBytes = 512 * 1024 * 1024;

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
        await DrainAcksAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends the acknowledgements made and not sent yet (see <see cref="OrderedAcks"/>), so a stop leaves nothing it handled for redelivery.</summary>
    private async Task DrainAcksAsync()
    {
        OrderedAcks[] all;
        lock (_consumers)
        {
            all = [.. _orderedAcks];
        }

        foreach (OrderedAcks acks in all)
        {
            await acks.DrainAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        await _watchdog.ConfigureAwait(false);

        foreach (PartitionLanes lanes in _lanes)
        {
            await lanes.CloseAsync().ConfigureAwait(false);
        }

        try
        {
            await DrainAcksAsync().WaitAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            // A connection too wedged to take them: the broker delivers those messages again.
            Log.StopFailed(_logger, ex, "acknowledgements");
        }

        foreach ((IChannel channel, string _) in _consumers)
        {
            await CloseQuietlyAsync(channel).ConfigureAwait(false);
        }

        await CloseQuietlyAsync(_replies).ConfigureAwait(false);
        if (_link is { } link)
        {
            await CloseQuietlyAsync(link.Channel).ConfigureAwait(false);
            await CloseQuietlyAsync(link.Connection).ConfigureAwait(false);
        }

        await CloseQuietlyAsync(_connection).ConfigureAwait(false);
        _stopping.Dispose();
        _disposed.Dispose();
        _window.Dispose();
    }

    private async ValueTask CloseQuietlyAsync(IConnection? connection)
    {
        if (connection is null)
        {
            return;
        }

        try
        {
            await connection.CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionFailure(ex) || ex is TimeoutException)
        {
            Log.StopFailed(_logger, ex, "connection");
        }

        connection.Dispose();
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
}
