using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// The keyed lanes of one partitioned endpoint in this process: MaxConcurrency lanes, lane = key hash % lanes, each a
/// single-reader channel with one worker, fed in delivery order by the endpoint's consumers (one dispatch at a time).
/// The key's messages are handled one at a time in queue order, different lanes in parallel.
/// </summary>
/// <remarks>
/// A delayed retry does not leave the broker: the message stays unacknowledged, the retry is held here, and its key is
/// parked in its lane (its later messages wait in the park, the lane's other keys go on) until the retry is due and has
/// run. So a crash or a stop gives the retry back to its partition queue at its place, ahead of its key's later
/// messages, and the next active consumer (here after a restart, or another process) gets it first. A lane's parked
/// keys and held retry are touched only by its worker; nothing is locked.
/// </remarks>
internal sealed class PartitionLanes
{
    private readonly RabbitMqTransport _transport;
    private readonly TransportEndpoint _endpoint;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly Channel<RabbitMqDelivery?>[] _lanes; // null: a wake-up for the lane's resume queue
    private readonly ConcurrentQueue<RabbitMqDelivery>[] _resumed;
    private readonly RabbitMqDelivery?[] _held;
    private readonly Task[] _workers;

    public PartitionLanes(RabbitMqTransport transport, TransportEndpoint endpoint, TimeProvider time, CancellationToken stopping)
    {
        _transport = transport;
        _endpoint = endpoint;
        _time = time;
        _stopping = stopping;
        int count = Math.Max(1, endpoint.Options.MaxConcurrency);
        _lanes = new Channel<RabbitMqDelivery?>[count];
        _resumed = new ConcurrentQueue<RabbitMqDelivery>[count];
        _held = new RabbitMqDelivery?[count];
        _workers = new Task[count];
        for (int i = 0; i < count; i++)
        {
            // Unbounded: the consumers' prefetch bounds what a lane can hold.
            _lanes[i] = Channel.CreateUnbounded<RabbitMqDelivery?>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
            _resumed[i] = new ConcurrentQueue<RabbitMqDelivery>();
        }

        for (int i = 0; i < count; i++)
        {
            int lane = i;
            _workers[i] = Task.Run(() => RunLaneAsync(lane));
        }
    }

    private int LaneOf(ulong key) => (int)(key % (ulong)_lanes.Length);

    /// <summary>Queues a delivery in its key's lane, behind the ones delivered before it.</summary>
    public void Post(RabbitMqDelivery delivery)
    {
        if (!_lanes[LaneOf(delivery.Key)].Writer.TryWrite(delivery))
        {
            _ = AbandonAsync(delivery); // the lanes were closed: the transport is being disposed
        }
    }

    /// <summary>
    /// Keeps the delayed retry of the delivery its lane's worker is handling now (only that worker reschedules it,
    /// from within the handling): once the handling returns, the worker parks the key until the retry is due.
    /// </summary>
    public void Hold(RabbitMqDelivery delivery, Envelope retry)
    {
        delivery.Retry = retry;
        _held[LaneOf(delivery.Key)] = delivery;
    }

    /// <summary>Closes the lanes: their workers give back what they still hold and end.</summary>
    public Task CloseAsync()
    {
        foreach (Channel<RabbitMqDelivery?> lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        return Task.WhenAll(_workers);
    }

    private async Task RunLaneAsync(int lane)
    {
        ChannelReader<RabbitMqDelivery?> reader = _lanes[lane].Reader;
        var parked = new Dictionary<ulong, Queue<RabbitMqDelivery>>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out RabbitMqDelivery? delivery))
                {
                    while (_resumed[lane].TryDequeue(out RabbitMqDelivery? due))
                    {
                        await ResumeAsync(lane, due, parked).ConfigureAwait(false);
                    }

                    if (delivery is null)
                    {
                        continue; // a wake-up: its retry ran above
                    }

                    if (parked.Count > 0 && parked.TryGetValue(delivery.Key, out Queue<RabbitMqDelivery>? waiting))
                    {
                        waiting.Enqueue(delivery); // its key waits for a retry: it stays unacknowledged, in order
                        continue;
                    }

                    if (await ProcessAsync(lane, delivery).ConfigureAwait(false) is { } retry)
                    {
                        parked[retry.Key] = new Queue<RabbitMqDelivery>();
                        _ = WakeWhenDueAsync(lane, retry);
                    }
                }
            }
        }
        finally
        {
            // Closed with keys parked: their messages go back to the broker, at their places.
            while (_resumed[lane].TryDequeue(out RabbitMqDelivery? due))
            {
                await AbandonAsync(due).ConfigureAwait(false);
            }

            foreach (Queue<RabbitMqDelivery> waiting in parked.Values)
            {
                while (waiting.TryDequeue(out RabbitMqDelivery? left))
                {
                    await AbandonAsync(left).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Runs a retry that came due, then the messages its key parked behind it, until one of them is delayed again or none is left.</summary>
    private async ValueTask ResumeAsync(int lane, RabbitMqDelivery retry, Dictionary<ulong, Queue<RabbitMqDelivery>> parked)
    {
        if (await ProcessAsync(lane, retry).ConfigureAwait(false) is { } again)
        {
            _ = WakeWhenDueAsync(lane, again); // delayed once more: the key stays parked
            return;
        }

        if (!parked.TryGetValue(retry.Key, out Queue<RabbitMqDelivery>? waiting))
        {
            return;
        }

        while (waiting.TryDequeue(out RabbitMqDelivery? next))
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
    /// Hands a delivery (its first run, or its held retry) to the runtime, and settles it unless the runtime held a
    /// retry of it: returns that delivery then. While stopping nothing runs: the delivery goes back to the broker.
    /// </summary>
    private async ValueTask<RabbitMqDelivery?> ProcessAsync(int lane, RabbitMqDelivery delivery)
    {
        if (_stopping.IsCancellationRequested)
        {
            await AbandonAsync(delivery).ConfigureAwait(false);
            return null;
        }

        Envelope? retry = delivery.Retry;
        delivery.Retry = null;
        try
        {
            if (retry is null)
            {
                await _transport.DispatchAsync(_endpoint, delivery, partitioned: true).ConfigureAwait(false);
            }
            else
            {
                await _transport.ReceiveRetryAsync(_endpoint, retry, delivery).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _transport.NotSettled(ex, delivery, _endpoint);
        }

        RabbitMqDelivery? held = _held[lane];
        _held[lane] = null;
        if (held is not null)
        {
            return held;
        }

        await AbandonAsync(delivery).ConfigureAwait(false);
        return null;
    }

    /// <summary>Waits until the held retry is due (or the transport stops), then wakes its lane to run it.</summary>
    private async Task WakeWhenDueAsync(int lane, RabbitMqDelivery retry)
    {
        TimeSpan delay = (retry.Retry?.DeliverAt ?? default) - _time.GetUtcNow();
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, _time, _stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the worker gives the retry and its key's parked messages back.
            }
        }

        _resumed[lane].Enqueue(retry);
        if (!_lanes[lane].Writer.TryWrite(null))
        {
            // The lane is closed and its worker may be gone: give back what no worker will read.
            while (_resumed[lane].TryDequeue(out RabbitMqDelivery? left))
            {
                await AbandonAsync(left).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Requeues a delivery not settled (the broker puts it back at its place) and ends its count as in flight.</summary>
    private async ValueTask AbandonAsync(RabbitMqDelivery delivery)
    {
        if (!delivery.Settled)
        {
            await delivery.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _transport.Finished();
    }
}
