using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Contracts.Transport.Redis;

/// <summary>
/// The keyed lanes of one partitioned endpoint in this process: MaxConcurrency lanes, lane = key hash % lanes, each a
/// single-reader channel with one worker, fed in stream order by the endpoint's reader. The key's messages are handled
/// one at a time in stream order, different lanes in parallel. (The RabbitMQ transport's lanes, over Redis deliveries.)
/// </summary>
/// <remarks>
/// A delayed retry does not leave the stream: the entry stays pending, the retry is held here, and its key is parked in
/// its lane (its later entries wait in the park, the lane's other keys go on) until the retry is due and has run. So a
/// crash or a stop leaves the retry pending at its place, ahead of its key's later entries, and the partition's next
/// holder takes it first. An entry of a partition whose lease this process lost is not run: it is left pending for the
/// new holder. A lane's parked keys and held retry are touched only by its worker; nothing is locked.
/// </remarks>
internal sealed class PartitionLanes
{
    private readonly StreamConsumer _consumer;
    private readonly PartitionLeases _leases;
    private readonly Channel<RedisDelivery?>[] _lanes; // null: a wake-up for the lane's resume queue
    private readonly ConcurrentQueue<RedisDelivery>[] _resumed;
    private readonly RedisDelivery?[] _held;
    private readonly Task[] _workers;

    public PartitionLanes(StreamConsumer consumer, PartitionLeases leases)
    {
        _consumer = consumer;
        _leases = leases;
        int count = Math.Max(1, consumer.Endpoint.Options.MaxConcurrency);
        _lanes = new Channel<RedisDelivery?>[count];
        _resumed = new ConcurrentQueue<RedisDelivery>[count];
        _held = new RedisDelivery?[count];
        _workers = new Task[count];
        for (int i = 0; i < count; i++)
        {
            // Unbounded: the reader's room (MaxConcurrency x PrefetchPerConsumer held at most) bounds what a lane can hold.
            _lanes[i] = Channel.CreateUnbounded<RedisDelivery?>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
            _resumed[i] = new ConcurrentQueue<RedisDelivery>();
        }
    }

    public void Start()
    {
        for (int i = 0; i < _workers.Length; i++)
        {
            int lane = i;
            _workers[i] = Task.Run(() => RunLaneAsync(lane));
        }
    }

    private int LaneOf(ulong key) => (int)(key % (ulong)_lanes.Length);

    /// <summary>Queues a delivery in its key's lane, behind the ones read before it.</summary>
    public ValueTask PostAsync(RedisDelivery delivery) =>
        _lanes[LaneOf(delivery.Key)].Writer.TryWrite(delivery) ? ValueTask.CompletedTask : delivery.HandBackAsync(delivery.DeliveryCount - 1); // closed: stopping

    /// <summary>
    /// Keeps the delayed retry of the delivery its lane's worker is handling now (only that worker reschedules it, from
    /// within the handling): once the handling returns, the worker parks the key until the retry is due.
    /// </summary>
    public void Hold(RedisDelivery delivery, Envelope retry)
    {
        delivery.Retry = retry;
        _held[LaneOf(delivery.Key)] = delivery;
    }

    /// <summary>Closes the lanes: their workers leave what they still hold pending and end.</summary>
    public Task CloseAsync()
    {
        foreach (Channel<RedisDelivery?> lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        return Task.WhenAll(_workers);
    }

    private async Task RunLaneAsync(int lane)
    {
        ChannelReader<RedisDelivery?> reader = _lanes[lane].Reader;
        var parked = new Dictionary<ulong, Queue<RedisDelivery>>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out RedisDelivery? delivery))
                {
                    while (_resumed[lane].TryDequeue(out RedisDelivery? due))
                    {
                        await ResumeAsync(lane, due, parked).ConfigureAwait(false);
                    }

                    if (delivery is null)
                    {
                        continue; // a wake-up: its retry ran above
                    }

                    if (parked.Count > 0 && parked.TryGetValue(delivery.Key, out Queue<RedisDelivery>? waiting))
                    {
                        waiting.Enqueue(delivery); // its key waits for a retry: it stays pending, in order
                        continue;
                    }

                    if (await ProcessAsync(lane, delivery).ConfigureAwait(false) is { } retry)
                    {
                        parked[retry.Key] = new Queue<RedisDelivery>();
                        _ = WakeWhenDueAsync(lane, retry);
                    }
                }
            }
        }
        finally
        {
            // Closed with keys parked: their entries stay pending, at their places, for the partition's next holder.
            while (_resumed[lane].TryDequeue(out RedisDelivery? due))
            {
                await due.HandBackAsync(due.DeliveryCount - 1).ConfigureAwait(false);
            }

            foreach (Queue<RedisDelivery> waiting in parked.Values)
            {
                while (waiting.TryDequeue(out RedisDelivery? left))
                {
                    await left.HandBackAsync(left.DeliveryCount - 1).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Runs a retry that came due, then the entries its key parked behind it, until one of them is delayed again or none is left.</summary>
    private async ValueTask ResumeAsync(int lane, RedisDelivery retry, Dictionary<ulong, Queue<RedisDelivery>> parked)
    {
        if (await ProcessAsync(lane, retry).ConfigureAwait(false) is { } again)
        {
            _ = WakeWhenDueAsync(lane, again); // delayed once more: the key stays parked
            return;
        }

        if (!parked.TryGetValue(retry.Key, out Queue<RedisDelivery>? waiting))
        {
            return;
        }

        while (waiting.TryDequeue(out RedisDelivery? next))
        {
            if (await ProcessAsync(lane, next).ConfigureAwait(false) is { } delayed)
            {
                _ = WakeWhenDueAsync(lane, delayed); // the rest stay parked behind it
                return;
            }
        }

        parked.Remove(retry.Key);
    }

    /// <summary>
    /// Hands a delivery (its first run, or its held retry) to the runtime, and hands it back if the runtime neither
    /// settled it nor held a retry of it: returns the delivery when it did hold one. While stopping nothing runs, and an
    /// entry of a partition no longer leased here does not run either: both are left pending.
    /// </summary>
    private async ValueTask<RedisDelivery?> ProcessAsync(int lane, RedisDelivery delivery)
    {
        RedisTransport transport = _consumer.Transport;
        if (transport.Stopping.IsCancellationRequested)
        {
            await delivery.HandBackAsync(delivery.DeliveryCount - 1).ConfigureAwait(false);
            return null;
        }

        if (!_leases.Holds(delivery.Partition))
        {
            delivery.LeavePending(); // another process holds the partition now and takes the entry over in order
            return null;
        }

        Envelope? retry = delivery.Retry;
        delivery.Retry = null;
        try
        {
            if (retry is null)
            {
                await transport.Context.Receiver.ReceiveAsync(_consumer.Endpoint, delivery.Headers, delivery.Headers.Body, delivery, transport.Stopping).ConfigureAwait(false);
            }
            else
            {
                await transport.Context.Receiver.ReceiveAsync(_consumer.Endpoint, retry, delivery).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not settled (the bus is stopping, or Redis failed under a dead letter): left pending below, counted.
            RedisTransport.Log.NotSettled(transport.Logger, ex, delivery.Id.ToString(), _consumer.Endpoint.Name);
        }

        RedisDelivery? held = _held[lane];
        _held[lane] = null;
        if (held is not null)
        {
            return held;
        }

        if (!delivery.Settled)
        {
            await delivery.HandBackAsync(delivery.DeliveryCount).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>Waits until the held retry is due (or the transport stops), then wakes its lane to run it.</summary>
    private async Task WakeWhenDueAsync(int lane, RedisDelivery retry)
    {
        RedisTransport transport = _consumer.Transport;
        TimeSpan delay = (retry.Retry?.DeliverAt ?? default) - transport.Time.GetUtcNow();
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, transport.Time, transport.Stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the worker leaves the retry and its key's parked entries pending.
            }
        }

        _resumed[lane].Enqueue(retry);
        if (!_lanes[lane].Writer.TryWrite(null))
        {
            // The lane is closed and its worker may be gone: leave pending what no worker will read.
            while (_resumed[lane].TryDequeue(out RedisDelivery? left))
            {
                await left.HandBackAsync(left.DeliveryCount - 1).ConfigureAwait(false);
            }
        }
    }
}
