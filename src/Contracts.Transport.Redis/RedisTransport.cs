using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// The Redis Streams transport. Keys, all under <see cref="RedisTransportOptions.Prefix"/> (<c>p</c> below):
/// <list type="bullet">
/// <item><c>p:{endpoint}</c>, a stream per endpoint with one consumer group named after the endpoint: a command's or
/// query's messages, and the retries and replays addressed to an event subscription;</item>
/// <item><c>p:{event}</c>, a stream per event contract with one consumer group per subscription (created at <c>$</c>:
/// a new subscription sees what is published from then on);</item>
/// <item><c>p:{endpoint}:dead</c>, a stream per endpoint of dead letters (and <c>p:dead-letters</c> for those of no
/// endpoint), which <see cref="IDeadLetters"/> lists, replays and purges;</item>
/// <item>channels <c>p:{stream}:nudge</c> (a producer's hint that an idle consumer should read now) and
/// <c>p:reply:{id}</c> (this process's query replies).</item>
/// </list>
/// A send is an <c>XADD ... NOMKSTREAM</c>: a stream exists once a consumer created its group, so a command no
/// process ever consumed fails instead of vanishing. A delivery is acknowledged (<c>XACK</c>) after the runtime
/// settled it; a dead letter or an abandoned delivery is moved in one <c>MULTI</c> with its acknowledgement.
/// </summary>
internal sealed partial class RedisTransport : ITransport
{
    // The state of every part; the parts are RedisTransport.Publishing, .Replies, .Trimming, .Health, .Log, and StreamConsumer.
    private readonly RedisTransportOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _disposed = new();
    private ConnectionMultiplexer? _connection;
    private TransportContext? _context;
    private StreamConsumer[] _consumers = [];
    private Task _housekeeping = Task.CompletedTask;
    private long _deadLetterIds;
    private int _disposeStarted;

    public RedisTransport(RedisTransportOptions options, ILogger<RedisTransport> logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
        ReplyAddress = $"{options.Prefix}:reply:{Guid.NewGuid():N}";
        ConsumerName = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        _deadLetterIds = Random.Shared.Next(1 << 12);
        DeadLetters = new RedisDeadLetters(this);
    }

    /// <inheritdoc />
    public string MessagingSystem => "redis";

    /// <inheritdoc />
    public TransportCapabilities Capabilities =>
        TransportCapabilities.NativeDeadLetters | TransportCapabilities.CompetingConsumers | TransportCapabilities.RequestReply | TransportCapabilities.Durable;

    public string ReplyAddress { get; }

    string? ITransport.ReplyAddress => ReplyAddress;

    public IDeadLetterQueue DeadLetters { get; }

    internal RedisTransportOptions Options => _options;

    internal ILogger Logger => _logger;

    internal TimeProvider Time => _time;

    internal TransportContext Context => _context ?? throw new InvalidOperationException("The Redis transport has not started: start the host first.");

    /// <summary>This process's consumer name in every group: unique per start, so a restarted process never inherits a dead one's pending entries except by taking them over.</summary>
    internal string ConsumerName { get; }

    /// <summary>Signalled when the bus stops: nothing new is read, and what is read ahead is handed back.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>Signalled when the transport is disposed: the partition leases stop being renewed.</summary>
    internal CancellationToken Disposed => _disposed.Token;

    internal IDatabase Database => (_connection ?? throw new InvalidOperationException("The Redis transport has not started: start the host first.")).GetDatabase();

    /// <summary>The dead-letter streams this process keeps: the prefix's own first, then one per endpoint it consumes.</summary>
    internal IReadOnlyList<RedisKey> DeadLetterStreams { get; private set; } = [];

    /// <summary>A dead letter's id: Unix milliseconds and a counter that starts at random, as the RabbitMQ transport makes them.</summary>
    internal long NextDeadLetterId() => (_time.GetUtcNow().ToUnixTimeMilliseconds() << 12) | (Interlocked.Increment(ref _deadLetterIds) & 0xFFF);

    internal RedisKey StreamOf(string address) => $"{_options.Prefix}:{address}";

    internal RedisKey DeadLetterStreamOf(string endpoint) => endpoint.Length == 0 ? $"{_options.Prefix}:dead-letters" : $"{_options.Prefix}:{endpoint}:dead";

    internal static RedisChannel NudgeOf(RedisKey stream) => RedisChannel.Literal($"{stream}:nudge");

    public async Task StartAsync(TransportContext context, CancellationToken cancellationToken)
    {
        _context = context;
        var consumed = new List<TransportEndpoint>();
        foreach (TransportEndpoint endpoint in context.Endpoints)
        {
            if (!endpoint.Options.Consume)
            {
                continue;
            }

            if (endpoint.Options.FullMode != EndpointFullMode.Wait)
            {
                throw new NotSupportedException(
                    $"Endpoint '{endpoint.Name}' asks for FullMode {endpoint.Options.FullMode}, which a Redis stream cannot do: a stream is not bounded, and " +
                    "trimming it by length would drop entries consumer groups have not read or acknowledged. Choose FullMode Wait (Redis buffers).");
            }

            consumed.Add(endpoint);
        }

        var deadStreams = new List<RedisKey>(consumed.Count + 1) { DeadLetterStreamOf("") };
        foreach (TransportEndpoint endpoint in consumed)
        {
            deadStreams.Add(DeadLetterStreamOf(endpoint.Name));
        }

        DeadLetterStreams = deadStreams;
        _connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        _connection.ConnectionFailed += OnConnectionFailed;
        _connection.ConnectionRestored += OnConnectionRestored;
        await SubscribeRepliesAsync(cancellationToken).ConfigureAwait(false);

        var consumers = new StreamConsumer[consumed.Count];
        for (int i = 0; i < consumers.Length; i++)
        {
            await CheckPartitionsAsync(consumed[i]).WaitAsync(cancellationToken).ConfigureAwait(false);
            consumers[i] = new StreamConsumer(this, consumed[i]);
            await consumers[i].CreateGroupsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await SubscribeNudgesAsync(consumers, cancellationToken).ConfigureAwait(false);
        _consumers = consumers;
        foreach (StreamConsumer consumer in consumers)
        {
            consumer.Start();
        }

        _housekeeping = KeepTrimmedAsync();
        Log.Started(_logger, _connection.Configuration, consumers.Length, _options.Prefix);
    }

    /// <summary>Connects; the multiplexer reconnects by itself after that, and commands wait in its backlog meanwhile.</summary>
    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        ConfigurationOptions configuration = ConfigurationOptions.Parse(_options.Configuration);
        configuration.ClientName ??= _options.ConnectionName ?? $"contracts {Path.GetFileNameWithoutExtension(Environment.ProcessPath)} {Environment.ProcessId}";
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(configuration).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException(
                $"Redis at {_options.Configuration} is not reachable ({ex.Message}). " +
                "Start the server (scripts/redis.sh start in the Contracts repository) or fix the configuration given to UseRedis.", ex);
        }
    }

    /// <summary>One subscription per stream some endpoint here reads: its nudge wakes each consumer of that stream.</summary>
    private async Task SubscribeNudgesAsync(StreamConsumer[] consumers, CancellationToken cancellationToken)
    {
        var byChannel = new Dictionary<string, List<StreamConsumer>>(StringComparer.Ordinal);
        foreach (StreamConsumer consumer in consumers)
        {
            foreach (RedisKey stream in consumer.Streams)
            {
                string channel = NudgeOf(stream).ToString();
                if (!byChannel.TryGetValue(channel, out List<StreamConsumer>? list))
                {
                    byChannel[channel] = list = [];
                }

                list.Add(consumer);
            }
        }

        ISubscriber subscriber = _connection!.GetSubscriber();
        foreach ((string channel, List<StreamConsumer> list) in byChannel)
        {
            StreamConsumer[] wake = [.. list];
            await subscriber.SubscribeAsync(RedisChannel.Literal(channel), (_, _) =>
            {
                foreach (StreamConsumer consumer in wake)
                {
                    consumer.Nudge();
                }
            }).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Nothing new is read; deliveries being handled finish and are acknowledged, and what was read ahead is handed back.
        await _stopping.CancelAsync().ConfigureAwait(false);
        var stopped = new Task[_consumers.Length];
        for (int i = 0; i < stopped.Length; i++)
        {
            stopped[i] = _consumers[i].StopAsync();
        }

        await Task.WhenAll(stopped).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeStarted, 1) != 0)
        {
            return; // the bus and its service provider may both dispose it
        }

        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        await _housekeeping.ConfigureAwait(false);
        if (_connection is { } connection)
        {
            connection.ConnectionFailed -= OnConnectionFailed;
            connection.ConnectionRestored -= OnConnectionRestored;
            await connection.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _disposed.Dispose();
    }

    /// <summary>Whether <paramref name="exception"/> is the connection failing (retry or leave for redelivery) rather than a wrong command.</summary>
    internal static bool IsConnectionFailure(Exception exception) =>
        exception is RedisConnectionException or RedisTimeoutException or ObjectDisposedException ||
        (exception is RedisServerException server && server.Message.StartsWith("LOADING", StringComparison.Ordinal));

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Interactive)
        {
            Log.ConnectionLost(_logger, args.Exception, args.FailureType.ToString(), args.EndPoint?.ToString() ?? "?");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Interactive)
        {
            Log.ConnectionRestored(_logger, args.EndPoint?.ToString() ?? "?");
        }
    }
}
