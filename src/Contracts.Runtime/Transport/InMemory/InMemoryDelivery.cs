using Contracts.Storage;

namespace Contracts.Transport.InMemory;

/// <summary>
/// One message as it waits in an endpoint's queue; <paramref name="Record"/> is its stored row when the queue is
/// durable, and <paramref name="Claimed"/> says the row was claimed from the store for this delivery (it holds one of
/// the endpoint's claim slots until it is settled).
/// </summary>
internal readonly record struct InMemoryDelivery(Envelope Envelope, MessageRecord? Record, bool Claimed = false);
