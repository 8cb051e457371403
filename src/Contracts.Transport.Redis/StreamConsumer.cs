using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// Consumes one endpoint: a reader that takes entries for this process's consumer (<c>XREADGROUP ... &gt;</c>, and
/// <c>XAUTOCLAIM</c> of what a dead consumer left), and <see cref="EndpointOptions.MaxConcurrency"/> workers that hand
/// them to the runtime. StackExchange.Redis multiplexes one connection and cannot block on <c>XREADGROUP</c>, so an
/// idle reader waits for a nudge (producers publish one after each add) or <see cref="RedisTransportOptions.PollInterval"/>,
/// whichever comes first; a busy one reads again at once.
/// </summary>
internal sealed partial class StreamConsumer
{
    private readonly TransportEndpoint _endpoint;
    private readonly StreamPosition[] _positions;
    private readonly Channel<RedisDelivery> _buffer;
    private readonly Channel<bool> _nudges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _released = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<(RedisKey Stream, RedisValue Id), RedisDelivery> _held = new();
    private readonly int _batch;
    private int _heldCount;
    private Task _reader = Task.CompletedTask;
    private Task[] _workers = [];
    private readonly PartitionLeases? _leases;

    public StreamConsumer(RedisTransport transport, TransportEndpoint endpoint)
    {
        Transport = transport;
        _endpoint = endpoint;
        Group = endpoint.Name;
        Direct = transport.TargetOf(endpoint.Name);

        Streams = transport.StreamsOf(endpoint);
        _positions = new StreamPosition[Streams.Length];
        for (int i = 0; i < Streams.Length; i++)
        {
            _positions[i] = new StreamPosition(Streams[i], StreamPosition.NewMessages);
        }

        _batch = (int)Math.Clamp((long)endpoint.Options.MaxConcurrency * transport.Options.PrefetchPerConsumer, 1, 10_000);
        if (RedisTransport.IsPartitioned(endpoint))
        {
            PerPartition = endpoint.ContractAddress == endpoint.Name ? 1 : 2;
            _leases = new PartitionLeases(this, transport.Options.Partitions);
            Lanes = new PartitionLanes(this, _leases);
        }

        // Bounded by what is held (read and not settled), at most _batch per stream read.
        _buffer = Channel.CreateUnbounded<RedisDelivery>(new UnboundedChannelOptions { SingleWriter = true });
    }

    public RedisTransport Transport { get; }

    /// <summary>
    /// How many of <see cref="Streams"/> belong to each partition of a partitioned endpoint: its own partition stream,
    /// and its contract's when that is another address (an event subscription's); stream k is of partition k / this.
    /// 0 for an endpoint that is not partitioned.
    /// </summary>
    public int PerPartition { get; }

    /// <summary>The keyed lanes of a partitioned endpoint, else null.</summary>
    public PartitionLanes? Lanes { get; }

    public TransportEndpoint Endpoint => _endpoint;

    /// <summary>The consumer group: the endpoint's name, in each of <see cref="Streams"/>.</summary>
    public RedisValue Group { get; }

    /// <summary>The endpoint's own stream: where an abandoned delivery goes back to.</summary>
    public RedisTransport.Target Direct { get; }

    /// <summary>The streams read: the endpoint's own, and for an event subscription its event's.</summary>
    public RedisKey[] Streams { get; }

    /// <summary>
    /// Creates the group in each stream (and the stream) when missing: at the start (<c>0</c>) of the endpoint's own
    /// stream, so nothing sent before is skipped, and at the end (<c>$</c>) of an event's stream, so a new
    /// subscription receives what is published from now on.
    /// </summary>
    public async Task CreateGroupsAsync()
    {
        IDatabase database = Transport.Database;
        for (int i = 0; i < Streams.Length; i++)
        {
            try
            {
                bool own = PerPartition > 0 ? i % PerPartition == 0 : i == 0;
                await database.StreamCreateConsumerGroupAsync(Streams[i], Group, own ? StreamPosition.Beginning : StreamPosition.NewMessages, createStream: true).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
            {
                // Created already, by an earlier start or another process.
            }
        }
    }

    public void Start()
    {
        if (Lanes is { } lanes)
        {
            lanes.Start();
            _leases!.Start();
            _reader = Task.Run(ReadPartitionsAsync);
            return;
        }

        _reader = Task.Run(ReadAsync);
        _workers = new Task[_endpoint.Options.MaxConcurrency];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(WorkAsync);
        }
    }

    /// <summary>Wakes the reader if it waits for work.</summary>
    public void Nudge() => _nudges.Writer.TryWrite(true);

    /// <summary>Waits for the reader to stop, then for the workers: each finishes its delivery and hands back what was read ahead.</summary>
    public async Task StopAsync()
    {
        Nudge();
        await _reader.ConfigureAwait(false);
        if (Lanes is { } lanes)
        {
            // Running handlers finish; what waits in the lanes stays pending; then the leases go, for the others to take at once.
            await lanes.CloseAsync().ConfigureAwait(false);
            await _leases!.StopAsync().ConfigureAwait(false);
            return;
        }

        _buffer.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
    }

    /// <summary>The entry is settled: no longer kept alive by this consumer.</summary>
    public void Release(RedisDelivery delivery)
    {
        if (_held.TryRemove((delivery.Stream, delivery.Id), out _))
        {
            Interlocked.Decrement(ref _heldCount);
            if (delivery.Partition >= 0)
            {
                _leases!.Release(delivery.Partition);
            }

            _released.Writer.TryWrite(true);
        }
    }

    /// <summary>Settling failed on the connection: the entry stays pending until a consumer takes it over.</summary>
    public void SettleLost(RedisDelivery delivery, Exception exception)
    {
        Release(delivery);
        RedisTransport.Log.SettleLost(Transport.Logger, exception, delivery.Id.ToString(), _endpoint.Name);
    }

    private async Task ReadAsync()
    {
        RedisTransportOptions options = Transport.Options;
        TimeProvider time = Transport.Time;
        CancellationToken stopping = Transport.Stopping;
        TimeSpan claimEvery = TimeSpan.FromTicks(Math.Clamp(options.ClaimIdleTime.Ticks / 2, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond * 5));
        TimeSpan keepAliveEvery = options.ClaimIdleTime / 3;
        long lastClaim = 0;
        long lastKeepAlive = time.GetTimestamp();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if ((lastClaim == 0 || time.GetElapsedTime(lastClaim) >= claimEvery) && _batch - Volatile.Read(ref _heldCount) > 0)
                {
                    lastClaim = time.GetTimestamp();
                    await TakeOverAsync(stopping).ConfigureAwait(false);
                }

                if (time.GetElapsedTime(lastKeepAlive) >= keepAliveEvery)
                {
                    lastKeepAlive = time.GetTimestamp();
                    await KeepAliveAsync(keepAliveEvery).ConfigureAwait(false);
                }

                while (_nudges.Reader.TryRead(out _))
                {
                    // A nudge from before this read is answered by it.
                }

                // What this consumer holds (read ahead and being handled) stays within MaxConcurrency x PrefetchPerConsumer:
                // an entry read is pending under this consumer's name, and counted against the message if the process dies.
                int room = _batch - Volatile.Read(ref _heldCount);
                if (room <= 0)
                {
                    await WaitForRoomAsync(keepAliveEvery, stopping).ConfigureAwait(false);
                    continue;
                }

                RedisStream[] read = await Transport.Database.StreamReadGroupAsync(_positions, Group, Transport.ConsumerName, room).ConfigureAwait(false);
                int got = 0;
                foreach (RedisStream stream in read)
                {
                    foreach (StreamEntry entry in stream.Entries)
                    {
                        got++;
                        await DispatchAsync(stream.Key, entry, pendingDeliveries: 1, partition: -1, stopping).ConfigureAwait(false);
                    }
                }

                if (got == 0)
                {
                    await WaitForWorkAsync(options.PollInterval, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                // The stream or its group is gone (deleted, or a server restarted without persistence): made again.
                RedisTransport.Log.GroupMissing(Transport.Logger, ex, _endpoint.Name);
                await RetryLaterAsync(CreateGroupsAsync, stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisTransport.IsConnectionFailure(ex))
            {
                RedisTransport.Log.ReadFailed(Transport.Logger, ex, _endpoint.Name);
                await RetryLaterAsync(static () => Task.CompletedTask, stopping).ConfigureAwait(false);
            }
        }
    }

    private async Task RetryLaterAsync(Func<Task> then, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), Transport.Time, stopping).ConfigureAwait(false);
            await then().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || RedisTransport.IsConnectionFailure(ex))
        {
            // Stopping, or still down: the loop tries again.
        }
    }

    /// <summary>Hands an entry to the workers; one read while the bus stops goes straight back.</summary>
    private async ValueTask DispatchAsync(RedisKey stream, StreamEntry entry, int pendingDeliveries, int partition, CancellationToken stopping)
    {
        var delivery = new RedisDelivery(this, stream, entry, pendingDeliveries, partition);
        if (_held.TryAdd((stream, entry.Id), delivery))
        {
            Interlocked.Increment(ref _heldCount);
            if (partition >= 0)
            {
                _leases!.Hold(partition);
            }
        }

        if (Lanes is { } lanes)
        {
            await lanes.PostAsync(delivery).ConfigureAwait(false);
            return;
        }

        if (_buffer.Writer.TryWrite(delivery))
        {
            return;
        }

        try
        {
            await _buffer.Writer.WriteAsync(delivery, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await delivery.HandBackAsync(delivery.DeliveryCount - 1).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until a held entry is settled, or until it is time to keep the held entries alive.</summary>
    private async Task WaitForRoomAsync(TimeSpan keepAliveEvery, CancellationToken stopping)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        wait.CancelAfter(keepAliveEvery);
        try
        {
            if (await _released.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
            {
                _released.Reader.TryRead(out _);
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // Still full: the loop keeps the held entries alive, then waits again.
        }
    }

    /// <summary>Waits for a nudge, the poll interval or the stop, whichever comes first.</summary>
    private async Task WaitForWorkAsync(TimeSpan pollInterval, CancellationToken stopping)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        wait.CancelAfter(pollInterval);
        try
        {
            await _nudges.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // The poll interval passed without a nudge: read anyway.
        }
    }

    private async Task WorkAsync()
    {
        ChannelReader<RedisDelivery> reader = _buffer.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out RedisDelivery? delivery))
            {
                if (Transport.Stopping.IsCancellationRequested)
                {
                    await delivery.HandBackAsync(delivery.DeliveryCount - 1).ConfigureAwait(false);
                    continue;
                }

                await HandleAsync(delivery).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleAsync(RedisDelivery delivery)
    {
        try
        {
            await Transport.Context.Receiver.ReceiveAsync(
                _endpoint, delivery.Headers, delivery.Headers.Body, delivery, Transport.Stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not settled (the bus is stopping, or Redis failed under a dead letter): handed back below, counted.
            RedisTransport.Log.NotSettled(Transport.Logger, ex, delivery.Id.ToString(), _endpoint.Name);
        }
        finally
        {
            if (!delivery.Settled)
            {
                await delivery.HandBackAsync(delivery.DeliveryCount).ConfigureAwait(false);
            }
        }
    }
}
