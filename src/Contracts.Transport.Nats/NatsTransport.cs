using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Contracts.Transport.Nats;

/// <summary>
/// The NATS JetStream transport. Topology, declared at start from this process's endpoints (see <see cref="NatsNames"/>):
/// <list type="bullet">
/// <item>a work-queue stream per command, query and event-subscription endpoint, capturing the endpoint's own subject,
/// with one durable pull consumer (<c>worker</c>) that every process consuming the endpoint shares (competing consumers,
/// explicit acknowledgement);</item>
/// <item>one limits-retention event stream (<c>{prefix}_events</c>) that keeps every event for
/// <see cref="NatsTransportOptions.EventRetention"/>, and on it a durable pull consumer per event subscription, filtered
/// on its event's subject, starting where <see cref="NatsTransportOptions.StartAt(string, NatsStreamStart)"/> says and
/// keeping its position on the server; a retry or replay for one subscription goes to its own endpoint stream;</item>
/// <item>one dead-letter stream (<c>{prefix}_dead</c>), a subject per endpoint, which <see cref="IDeadLetters"/> lists,
/// replays and purges;</item>
/// <item>a core subject per process for query replies;</item>
/// <item>for a command or query endpoint whose contract has a partition key, a subject and a durable consumer per
/// partition instead of the endpoint's one, each read by the one process that holds its lease in the
/// <c>{prefix}_partitions</c> key-value bucket (see <c>NatsTransport.Partitions</c>).</item>
/// </list>
/// Every publish waits for the stream's acknowledgement and carries a message id (the envelope's id and attempt), so a
/// publish retried after a lost acknowledgement is stored once within <see cref="NatsTransportOptions.DuplicateWindow"/>.
/// JetStream 2.9 cannot hold a message until a time: delays are the core's store-backed scheduler's.
/// </summary>
internal sealed partial class NatsTransport : ITransport
{
    // The state of every part; the parts are NatsTransport.Topology, .Publishing, .Consuming, .Partitions, .Replies, .Health and .Log.
    private readonly NatsTransportOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _disposed = new();
    private int _disposeCalls;
    private readonly List<Task> _readers = [];
    private readonly List<Task> _workers = [];
    private readonly List<EndpointWork> _work = [];
    private readonly List<NatsPartitions> _partitioned = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<INatsJSMsg<NATS.Client.Core.NatsMemoryOwner<byte>>> _giveBack = new();
    private NatsConnection? _connection;
    private NatsConnection? _consuming;
    private NatsJSContext? _js;
    private NatsJSContext? _consumeJs;
    private TransportContext? _context;
    private TransportEndpoint[] _consumed = [];
    private Task _progress = Task.CompletedTask;
    private Task _replyLoop = Task.CompletedTask;

    public NatsTransport(NatsTransportOptions options, ILogger<NatsTransport> logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
        Names = new NatsNames(options.Prefix);
        ReplyAddress = Names.ReplySubject(Guid.NewGuid());
        DeadLetters = new NatsDeadLetters(this);
    }

    /// <inheritdoc />
    public string MessagingSystem => "nats";

    /// <inheritdoc />
    public TransportCapabilities Capabilities =>
        TransportCapabilities.NativeDeadLetters | TransportCapabilities.CompetingConsumers | TransportCapabilities.RequestReply | TransportCapabilities.Durable;

    public string ReplyAddress { get; }

    string? ITransport.ReplyAddress => ReplyAddress;

    public IDeadLetterQueue DeadLetters { get; }

    internal NatsTransportOptions Options => _options;

    internal NatsNames Names { get; }

    internal ILogger Logger => _logger;

    internal TimeProvider Time => _time;

    /// <summary>Signalled when the bus stops: nothing new is read or started.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>Signalled when the transport is disposed: the partition leases stop being renewed.</summary>
    internal CancellationToken Disposed => _disposed.Token;

    internal TransportContext Context => _context ?? throw new InvalidOperationException("The NATS transport has not started: start the host first.");

    /// <summary>This process's id among the consumers of a keyed endpoint (its membership and lease values): unique per start.</summary>
    internal string MemberId { get; } = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>The contracts this process knows, once started (a replay of a letter of no endpoint routes by its contract's kind).</summary>
    internal ContractCatalog? Catalog => _context?.Catalog;

    /// <summary>The endpoints this process consumes: their dead letters are the ones <see cref="IDeadLetters"/> sees.</summary>
    internal IReadOnlyList<string> DeadLetterEndpoints { get; private set; } = [];

    internal NatsJSContext JetStream => _js ?? throw new InvalidOperationException("The NATS transport has not started: start the host first.");

    internal NatsConnection Connection => _connection ?? throw new InvalidOperationException("The NATS transport has not started: start the host first.");

    /// <summary>
    /// The connection the pulls run on, apart from the one that publishes and settles: a stop closes it before it gives
    /// back what was not handled, because the server still counts the pull requests of an open connection as
    /// listening and would redeliver a nak to them, where nobody reads it any more.
    /// </summary>
    internal NatsJSContext ConsumeJetStream => _consumeJs ?? throw new InvalidOperationException("The NATS transport has not started: start the host first.");

    public async Task StartAsync(TransportContext context, CancellationToken cancellationToken)
    {
        _context = context;
        var consumed = new List<TransportEndpoint>();
        var names = new List<string>();
        foreach (TransportEndpoint endpoint in context.Endpoints)
        {
            if (!endpoint.Options.Consume)
            {
                continue;
            }

            if (endpoint.Options.FullMode == EndpointFullMode.DropNewest)
            {
                throw new NotSupportedException(
                    $"Endpoint '{endpoint.Name}' asks for FullMode DropNewest, which JetStream cannot do silently (a full stream refuses the publish). " +
                    "Choose DropOldest (the server drops the oldest), Reject (the producer gets EndpointFullException) or Wait.");
            }

            consumed.Add(endpoint);
            names.Add(endpoint.Name);
        }

        _consumed = [.. consumed];
        DeadLetterEndpoints = names;
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await DeclareSharedStreamsAsync(cancellationToken).ConfigureAwait(false);
        await ConsumeRepliesAsync(cancellationToken).ConfigureAwait(false);
        foreach (TransportEndpoint endpoint in _consumed)
        {
            if (IsPartitioned(endpoint))
            {
                await ConsumePartitionsAsync(endpoint, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ConsumeAsync(endpoint, cancellationToken).ConfigureAwait(false);
            }
        }

        _progress = Task.Run(KeepInProgressAsync, CancellationToken.None);
        Log.Started(_logger, _options.Url, _consumed.Length, _options.Prefix);
    }

    /// <summary>Connects (publishing, and with <paramref name="consume"/> consuming); a server that does not answer fails the start with what to do.</summary>
    internal async Task ConnectAsync(CancellationToken cancellationToken, bool consume = true)
    {
        _connection = await OpenAsync("publishing", cancellationToken).ConfigureAwait(false);
        _js = new NatsJSContext(_connection);
        if (consume)
        {
            _consuming = await OpenAsync("consuming", cancellationToken).ConfigureAwait(false);
            _consuming.ConnectionOpened += OnConsumingReopenedAsync;
            _consumeJs = new NatsJSContext(_consuming);
        }
    }

    private async Task<NatsConnection> OpenAsync(string role, CancellationToken cancellationToken)
    {
        var opts = new NatsOpts
        {
            Url = _options.Url,
            Name = $"{_options.ConnectionName ?? $"contracts {Path.GetFileNameWithoutExtension(Environment.ProcessPath)} {Environment.ProcessId}"} ({role})",
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(200),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        var connection = new NatsConnection(opts);
        connection.ConnectionDisconnected += OnDisconnectedAsync;
        connection.ConnectionOpened += OnReconnectedAsync;
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NatsException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"NATS at {_options.Url} is not reachable ({ex.InnerException?.Message ?? ex.Message}). " +
                "Start the server with JetStream (scripts/nats.sh start in the Contracts repository) or fix the URL given to UseNats.", ex);
        }

        return connection;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Readers stop pulling; what the server handed over already but no handler took is given back (a nak).
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_readers).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (EndpointWork work in _work)
            {
                work.Queue.Writer.TryComplete();
            }
        }

        // Deliveries already running finish and are acknowledged; then the pulls' connection closes, and what no
        // handler finished goes back to the server for this or another process. A keyed endpoint leaves what it did
        // not run unacknowledged at its place and deletes its leases, for the partitions' next holders to take at once.
        await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (NatsPartitions partitions in _partitioned)
        {
            await partitions.StopAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await CloseConsumingAsync().ConfigureAwait(false);
        await GiveBackLeftAsync().ConfigureAwait(false);
    }

    private async Task CloseConsumingAsync()
    {
        if (Interlocked.Exchange(ref _consuming, null) is { } consuming)
        {
            consuming.ConnectionDisconnected -= OnDisconnectedAsync;
            consuming.ConnectionOpened -= OnReconnectedAsync;
            consuming.ConnectionOpened -= OnConsumingReopenedAsync;
            await FlushQuietlyAsync(consuming).ConfigureAwait(false);
            await consuming.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Naks, over the publishing connection, every delivery a stop left unhandled; a ping confirms the server read them.</summary>
    private async Task GiveBackLeftAsync()
    {
        if (_giveBack.IsEmpty || Volatile.Read(ref _connection) is not { } connection)
        {
            return;
        }

        // Latest stream position first: on 2.9, naks of an earlier message before a later one of the same consumer were
        // seen to redeliver the later one twice and leave the earlier one waiting for AckWait.
        var left = new List<INatsJSMsg<NATS.Client.Core.NatsMemoryOwner<byte>>>(_giveBack.Count);
        while (_giveBack.TryDequeue(out INatsJSMsg<NATS.Client.Core.NatsMemoryOwner<byte>>? msg))
        {
            left.Add(msg);
        }

        left.Sort(static (a, b) => (b.Metadata?.Sequence.Stream ?? 0).CompareTo(a.Metadata?.Sequence.Stream ?? 0));
        foreach (INatsJSMsg<NATS.Client.Core.NatsMemoryOwner<byte>> msg in left)
        {
            try
            {
                if (msg.ReplyTo is { Length: > 0 } replyTo)
                {
                    await connection.PublishAsync(replyTo, s_nak, serializer: s_raw).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (IsConnectionFailure(ex) || ex is ObjectDisposedException)
            {
                Log.SettleLost(_logger, ex, MessageIdOf(msg), "(stopping)");
            }
            finally
            {
                msg.Data.Dispose();
            }
        }

        await FlushQuietlyAsync(connection).ConfigureAwait(false);
    }

    /// <summary>JetStream's negative acknowledgement: deliver again now.</summary>
    private static readonly ReadOnlyMemory<byte> s_nak = "-NAK"u8.ToArray();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeCalls, 1) != 0)
        {
            return;
        }

        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        foreach (EndpointWork work in _work)
        {
            work.Queue.Writer.TryComplete();
        }

        await AwaitQuietlyAsync(_progress).ConfigureAwait(false);
        await AwaitQuietlyAsync(_replyLoop).ConfigureAwait(false);
        await CloseConsumingAsync().ConfigureAwait(false);
        await GiveBackLeftAsync().ConfigureAwait(false);
        if (_connection is { } connection)
        {
            connection.ConnectionDisconnected -= OnDisconnectedAsync;
            connection.ConnectionOpened -= OnReconnectedAsync;
            await FlushQuietlyAsync(connection).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _disposed.Dispose();
    }

    private async Task AwaitQuietlyAsync(Task task)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or NatsException)
        {
            Log.StopFailed(_logger, ex, "a background loop");
        }
    }

    /// <summary>A ping's answer: the server has read every acknowledgement written before it.</summary>
    private async Task FlushQuietlyAsync(NatsConnection connection)
    {
        if (connection.ConnectionState != NatsConnectionState.Open)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await connection.PingAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || IsConnectionFailure(ex))
        {
            Log.StopFailed(_logger, ex, "the last acknowledgements");
        }
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        if (!_disposed.IsCancellationRequested)
        {
            Log.ConnectionLost(_logger, _options.Url, args.Message);
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnReconnectedAsync(object? sender, NatsEventArgs args)
    {
        Log.ConnectionRecovered(_logger, _options.Url);

        return ValueTask.CompletedTask;
    }

    /// <summary>Whether <paramref name="exception"/> says the server or the connection failed (worth a retry), not the request.</summary>
    internal static bool IsConnectionFailure(Exception exception) =>
        exception is NatsJSPublishNoResponseException or NatsNoReplyException or NatsNoRespondersException or NatsConnectionFailedException or
            NatsJSApiNoResponseException or TimeoutException or IOException or System.Net.Sockets.SocketException ||
        (exception is NatsException && exception is not NatsJSApiException and not NatsPayloadTooLargeException);
}
