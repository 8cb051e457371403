using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Contracts.Transport;

/// <summary>
/// Order per partition key inside one process, for a transport whose partitions deliver their messages in order (a
/// queue or a stream per partition): each delivery goes to one of a fixed number of lanes by its key, each lane a
/// single-reader channel with one worker, so a key's messages are handled one at a time in delivery order and different
/// lanes in parallel.
/// </summary>
/// <remarks>
/// A delayed retry does not leave the transport: the message stays unsettled, the transport says so with
/// <see cref="IDeliveryControl.HoldsRetries"/> and passes the retry to <see cref="Hold"/>, and its key is parked in its
/// lane (its later messages wait in the park, the lane's other keys go on) until the retry is due and has run. So a
/// crash or a stop gives the retry back at its place, ahead of its key's later messages, and whoever consumes the
/// partition next gets it first. A lane's parked keys and held retry are touched only by its worker; nothing is locked.
/// The RabbitMQ and Redis transports derive from it.
/// </remarks>
/// <typeparam name="TDelivery">The transport's delivery.</typeparam>
public abstract class KeyedLanes<TDelivery>
    where TDelivery : class
{
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly Channel<TDelivery?>[] _lanes; // null: a wake-up for the lane's resume queue
    private readonly ConcurrentQueue<(TDelivery Delivery, Envelope Retry)>[] _resumed;
    private readonly (TDelivery Delivery, Envelope Retry)?[] _held;
    private Task[] _workers = [];

    /// <summary>Creates <paramref name="lanes"/> lanes, started by <see cref="Start"/>.</summary>
    /// <param name="lanes">How many lanes (the endpoint's <c>MaxConcurrency</c>; at least 1).</param>
    /// <param name="time">The clock held retries wait on.</param>
    /// <param name="stopping">Signalled when the transport stops: nothing more runs, and everything held is given back.</param>
    protected KeyedLanes(int lanes, TimeProvider time, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _stopping = stopping;
        int count = Math.Max(1, lanes);
        _lanes = new Channel<TDelivery?>[count];
        _resumed = new ConcurrentQueue<(TDelivery, Envelope)>[count];
        _held = new (TDelivery, Envelope)?[count];
        for (int i = 0; i < count; i++)
        {
            // Unbounded: what the transport lets its consumers hold at once (a prefetch) bounds what a lane holds.
            _lanes[i] = Channel.CreateUnbounded<TDelivery?>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
            _resumed[i] = new ConcurrentQueue<(TDelivery, Envelope)>();
        }
    }

    /// <summary>Starts one worker per lane.</summary>
    public void Start()
    {
        var workers = new Task[_lanes.Length];
        for (int i = 0; i < workers.Length; i++)
        {
            int lane = i;
            workers[i] = Task.Run(() => RunLaneAsync(lane));
        }

        _workers = workers;
    }

    /// <summary>Queues a delivery in its key's lane, behind the ones delivered before it; once the lanes are closed it is given back.</summary>
    /// <param name="delivery">The delivery.</param>
    /// <returns>Completes when queued, or given back.</returns>
    public ValueTask PostAsync(TDelivery delivery) =>
        _lanes[LaneOf(KeyOf(delivery))].Writer.TryWrite(delivery) ? ValueTask.CompletedTask : GiveBackAsync(delivery);

    /// <summary>
    /// Keeps the delayed retry of the delivery its lane's worker is handling now (only that worker reschedules it, from
    /// within the handling): once the handling returns, the worker parks the key until the retry is due.
    /// </summary>
    /// <param name="delivery">The delivery being handled.</param>
    /// <param name="retry">Its retry, with <see cref="Envelope.DeliverAt"/> set.</param>
    public void Hold(TDelivery delivery, Envelope retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        _held[LaneOf(KeyOf(delivery))] = (delivery, retry);
    }

    /// <summary>Closes the lanes: their workers give back what they still hold, and end.</summary>
    /// <returns>Completes when every worker has ended.</returns>
    public Task CloseAsync()
    {
        foreach (Channel<TDelivery?> lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        return Task.WhenAll(_workers);
    }

    /// <summary>The delivery's partition key (<see cref="ContractDescriptor.PartitionKeyOf"/>, carried by the transport).</summary>
    /// <param name="delivery">The delivery.</param>
    /// <returns>Its key.</returns>
    protected abstract ulong KeyOf(TDelivery delivery);

    /// <summary>
    /// Hands the delivery to the runtime: its first run (<paramref name="retry"/> <see langword="null"/>), or its held
    /// retry. An exception means the delivery was not settled (the bus is stopping, the transport failed): the
    /// implementation logs it and returns; <see cref="RanAsync"/> follows either way.
    /// </summary>
    /// <param name="delivery">The delivery.</param>
    /// <param name="retry">The held retry to run, or <see langword="null"/>.</param>
    /// <returns>Completes when the runtime is done with it.</returns>
    protected abstract ValueTask RunAsync(TDelivery delivery, Envelope? retry);

    /// <summary>After a run that held no retry: gives back what the runtime left unsettled, and ends the delivery here.</summary>
    /// <param name="delivery">The delivery.</param>
    /// <returns>Completes when done.</returns>
    protected abstract ValueTask RanAsync(TDelivery delivery);

    /// <summary>Gives back a delivery that will not run here (the transport stops, or the lanes closed), at its place.</summary>
    /// <param name="delivery">The delivery.</param>
    /// <returns>Completes when given back.</returns>
    protected abstract ValueTask GiveBackAsync(TDelivery delivery);

    /// <summary>
    /// Whether the delivery may still run here (default: yes): a transport whose partitions move between processes says
    /// no for one of a partition it no longer holds, and leaves it with <see cref="LeaveAsync"/>.
    /// </summary>
    /// <param name="delivery">The delivery.</param>
    /// <returns>Whether to run it.</returns>
    protected virtual bool MayRun(TDelivery delivery) => true;

    /// <summary>Leaves a delivery <see cref="MayRun"/> refused to whoever holds its partition now (default: <see cref="GiveBackAsync"/>).</summary>
    /// <param name="delivery">The delivery.</param>
    /// <returns>Completes when left.</returns>
    protected virtual ValueTask LeaveAsync(TDelivery delivery) => GiveBackAsync(delivery);

    private int LaneOf(ulong key) => (int)(key % (ulong)_lanes.Length);

    private async Task RunLaneAsync(int lane)
    {
        ChannelReader<TDelivery?> reader = _lanes[lane].Reader;
        var parked = new Dictionary<ulong, Queue<TDelivery>>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out TDelivery? delivery))
                {
                    while (_resumed[lane].TryDequeue(out (TDelivery Delivery, Envelope Retry) due))
                    {
                        await ResumeAsync(lane, due, parked).ConfigureAwait(false);
                    }

                    if (delivery is null)
                    {
                        continue; // a wake-up: its retry ran above
                    }

                    ulong key = KeyOf(delivery);
                    if (parked.Count > 0 && parked.TryGetValue(key, out Queue<TDelivery>? waiting))
                    {
                        waiting.Enqueue(delivery); // its key waits for a retry: it stays unsettled, in order
                        continue;
                    }

                    if (await ProcessAsync(lane, delivery, retry: null).ConfigureAwait(false) is { } held)
                    {
                        parked[key] = new Queue<TDelivery>();
                        _ = WakeWhenDueAsync(lane, held);
                    }
                }
            }
        }
        finally
        {
            // Closed with keys parked: their messages go back, at their places.
            while (_resumed[lane].TryDequeue(out (TDelivery Delivery, Envelope Retry) due))
            {
                await GiveBackAsync(due.Delivery).ConfigureAwait(false);
            }

            foreach (Queue<TDelivery> waiting in parked.Values)
            {
                while (waiting.TryDequeue(out TDelivery? left))
                {
                    await GiveBackAsync(left).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Runs a retry that came due, then the messages its key parked behind it, until one of them is delayed again or none is left.</summary>
    private async ValueTask ResumeAsync(int lane, (TDelivery Delivery, Envelope Retry) due, Dictionary<ulong, Queue<TDelivery>> parked)
    {
        if (await ProcessAsync(lane, due.Delivery, due.Retry).ConfigureAwait(false) is { } again)
        {
            _ = WakeWhenDueAsync(lane, again); // delayed once more: the key stays parked
            return;
        }

        ulong key = KeyOf(due.Delivery);
        if (!parked.TryGetValue(key, out Queue<TDelivery>? waiting))
        {
            return;
        }

        while (waiting.TryDequeue(out TDelivery? next))
        {
            if (await ProcessAsync(lane, next, retry: null).ConfigureAwait(false) is { } delayed)
            {
                _ = WakeWhenDueAsync(lane, delayed); // the rest stay parked behind it
                return;
            }
        }

        parked.Remove(key);
    }

    /// <summary>
    /// Runs a delivery (its first run, or its held retry) and settles it unless the runtime held a retry of it: returns
    /// that retry then. While stopping nothing runs, and a delivery <see cref="MayRun"/> refuses does not run either.
    /// </summary>
    private async ValueTask<(TDelivery Delivery, Envelope Retry)?> ProcessAsync(int lane, TDelivery delivery, Envelope? retry)
    {
        if (_stopping.IsCancellationRequested)
        {
            await GiveBackAsync(delivery).ConfigureAwait(false);
            return null;
        }

        if (!MayRun(delivery))
        {
            await LeaveAsync(delivery).ConfigureAwait(false);
            return null;
        }

        await RunAsync(delivery, retry).ConfigureAwait(false);
        (TDelivery, Envelope)? held = _held[lane];
        _held[lane] = null;
        if (held is not null)
        {
            return held;
        }

        await RanAsync(delivery).ConfigureAwait(false);
        return null;
    }

    /// <summary>Waits until the held retry is due (or the transport stops), then wakes its lane to run it.</summary>
    private async Task WakeWhenDueAsync(int lane, (TDelivery Delivery, Envelope Retry) held)
    {
        TimeSpan delay = (held.Retry.DeliverAt ?? default) - _time.GetUtcNow();
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

        _resumed[lane].Enqueue(held);
        if (!_lanes[lane].Writer.TryWrite(null))
        {
            // The lane is closed and its worker may be gone: give back what no worker will read.
            while (_resumed[lane].TryDequeue(out (TDelivery Delivery, Envelope Retry) left))
            {
                await GiveBackAsync(left.Delivery).ConfigureAwait(false);
            }
        }
    }
}
