using Contracts.Storage;

namespace Contracts.Transport.InMemory;

/// <summary>
/// One message as it waits in an endpoint's queue; <paramref name="Record"/> is its stored row when the queue is
/// durable, and <paramref name="Claimed"/> says the row was claimed from the store for this delivery (it holds one of
/// the endpoint's claim slots until it is settled). On an ordered endpoint <paramref name="Key"/> is its partition key's
/// hash (set when it is queued), <paramref name="Deferred"/> marks a stored retry that is not due yet (its lane parks
/// its key until it is), and <paramref name="Resumed"/> a retry that came due (its lane runs it, then its key's parked messages).
/// On an endpoint with <see cref="EndpointOptions.MaxPriority"/>, <paramref name="Rank"/> is its place in the priority
/// queue (set when it is queued; lower is handled first).
/// </summary>
internal readonly record struct InMemoryDelivery(Envelope Envelope, MessageRecord? Record, bool Claimed = false, ulong Key = 0, bool Deferred = false, bool Resumed = false, long Rank = 0);
