using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;

namespace Contracts.Transport.InMemory;

/// <summary>
/// The priority queue of an endpoint with <see cref="EndpointOptions.MaxPriority"/>: one prioritized channel, ordered
/// by rank, lowest first.
/// </summary>
/// <remarks>
/// A delivery's rank is its place in send order (a counter of the endpoint's sends) less its priority times
/// <see cref="EndpointOptions.PriorityBoost"/>: a message of priority p is queued as if it had been sent p × boost sends
/// earlier. So a higher priority goes first among messages sent about together, one priority keeps send order (same
/// offset), and nothing starves: a waiting message is overtaken only by messages sent fewer than
/// <c>MaxPriority × PriorityBoost</c> sends after it. The rank is fixed when the message is queued, which is what a
/// heap needs (an ageing that changed ranks while they wait could not keep one).
/// </remarks>
internal sealed partial class EndpointQueue
{
    private readonly byte _maxPriority;
    private readonly int _priorityBoost;
    private long _sequence;

    private static Channel<InMemoryDelivery> CreatePriorityLane(bool singleReader) =>
        Channel.CreateUnboundedPrioritized(new UnboundedPrioritizedChannelOptions<InMemoryDelivery>
        {
            Comparer = RankComparer.Instance,
            SingleReader = singleReader,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });

    /// <summary>
    /// The rank of a message queued now: a priority above the endpoint's maximum counts as the maximum. The low byte
    /// breaks a tie (two messages whose offset places land on one send) in favour of the higher priority, so the order
    /// never depends on the heap.
    /// </summary>
    private long RankOf(Envelope envelope)
    {
        byte priority = envelope.Priority > _maxPriority ? _maxPriority : envelope.Priority;
        long place = Interlocked.Increment(ref _sequence) - ((long)priority * _priorityBoost);
        return (place << 8) | (long)(byte.MaxValue - priority);
    }

    private sealed class RankComparer : IComparer<InMemoryDelivery>
    {
        public static readonly RankComparer Instance = new();

        public int Compare(InMemoryDelivery x, InMemoryDelivery y) => x.Rank.CompareTo(y.Rank);
    }
}
