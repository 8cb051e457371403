using System;
using System.Collections.Generic;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Contracts.Transport.InMemory;

/// <summary>The worker of one lane of an ordered endpoint, and how it parks a key behind its delayed retry.</summary>
/// <remarks>
/// A lane's state (its parked keys, its held retry) is touched only by its one worker, so none of it is locked. A key
/// is parked when its message gets a delayed retry (or a stored retry that is not due yet is taken over): until the
/// retry has run, and run without being delayed again, the key's later messages wait in the park in arrival order
/// while the lane's other keys go on. Parked messages keep their slot in the counted modes (a waiting producer is not
/// let in for them), so <see cref="EndpointOptions.Capacity"/> still bounds what the endpoint holds.
/// </remarks>
internal sealed partial class EndpointQueue
{
    /// <summary>
    /// A parked retry came due: its lane runs it next, before the later messages of its key. The retry waits in the
    /// lane's resume queue, and only a wake-up marker goes through the lane's channel: in the drop modes the channel
    /// may drop the marker (its lane is full then, so the worker reads again soon and finds the retry), never the retry.
    /// </summary>
    public void Resume(InMemoryDelivery retry)
    {
        int lane = LaneIndexOf(retry.Key);
        _resumed[lane].Enqueue(retry with { Resumed = false, Deferred = false });
        _lanes[lane].Writer.TryWrite(s_wakeUp);
    }

    /// <summary>The marker that wakes a lane's worker for its resume queue; it carries no message.</summary>
    private static readonly InMemoryDelivery s_wakeUp = new(null!, null, Resumed: true);

    private InMemoryDelivery? TakeHeld(int lane)
    {
        InMemoryDelivery? held = _held[lane];
        _held[lane] = null;
        return held;
    }

    private async Task ConsumeLaneAsync(
        int lane,
        Func<EndpointQueue, InMemoryDelivery, ValueTask> process,
        Action<EndpointQueue, InMemoryDelivery> resumeLater,
        Action<EndpointQueue, InMemoryDelivery> abandon)
    {
        ChannelReader<InMemoryDelivery> reader = _lanes[lane].Reader;
        var parked = new Dictionary<ulong, Queue<InMemoryDelivery>>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out InMemoryDelivery delivery))
                {
                    while (_resumed[lane].TryDequeue(out InMemoryDelivery due))
                    {
                        await ResumeAsync(lane, due, parked, process, resumeLater).ConfigureAwait(false);
                    }

                    if (delivery.Resumed)
                    {
                        continue; // a wake-up marker: its retry ran above
                    }

                    if (parked.Count > 0 && parked.TryGetValue(delivery.Key, out Queue<InMemoryDelivery>? waiting))
                    {
                        waiting.Enqueue(delivery); // keeps its slot until it runs
                        continue;
                    }

                    if (_counted)
                    {
                        Dequeued();
                    }

                    if (delivery.Deferred)
                    {
                        Park(delivery, parked, resumeLater);
                        continue;
                    }

                    await process(this, delivery).ConfigureAwait(false);
                    if (TakeHeld(lane) is { } retry)
                    {
                        Park(retry, parked, resumeLater);
                    }
                }
            }
        }
        finally
        {
            // The lane ended (the bus stopped) with keys still parked: their messages were not handled.
            while (_resumed[lane].TryDequeue(out InMemoryDelivery due))
            {
                abandon(this, due);
            }

            foreach (Queue<InMemoryDelivery> waiting in parked.Values)
            {
                while (waiting.TryDequeue(out InMemoryDelivery left))
                {
                    if (_counted)
                    {
                        Dequeued();
                    }

                    abandon(this, left);
                }
            }
        }
    }

    private void Park(InMemoryDelivery retry, Dictionary<ulong, Queue<InMemoryDelivery>> parked, Action<EndpointQueue, InMemoryDelivery> resumeLater)
    {
        if (!parked.ContainsKey(retry.Key))
        {
            parked[retry.Key] = new Queue<InMemoryDelivery>();
        }

        resumeLater(this, retry);
    }

    /// <summary>Runs a retry that came due, then the messages its key parked behind it, until one of them is delayed again or none is left.</summary>
    private async ValueTask ResumeAsync(
        int lane,
        InMemoryDelivery retry,
        Dictionary<ulong, Queue<InMemoryDelivery>> parked,
        Func<EndpointQueue, InMemoryDelivery, ValueTask> process,
        Action<EndpointQueue, InMemoryDelivery> resumeLater)
    {
        await process(this, retry).ConfigureAwait(false);
        if (TakeHeld(lane) is { } again)
        {
            resumeLater(this, again); // delayed once more: the key stays parked
            return;
        }

        if (!parked.TryGetValue(retry.Key, out Queue<InMemoryDelivery>? waiting))
        {
            return;
        }

        while (waiting.TryDequeue(out InMemoryDelivery next))
        {
            if (_counted)
            {
                Dequeued();
            }

            if (next.Deferred)
            {
                resumeLater(this, next);
                return;
            }

            await process(this, next).ConfigureAwait(false);
            if (TakeHeld(lane) is { } delayed)
            {
                resumeLater(this, delayed);
                return;
            }
        }

        parked.Remove(retry.Key);
    }
}
