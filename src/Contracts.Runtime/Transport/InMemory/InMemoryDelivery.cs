using Contracts.Storage;

namespace Contracts.Transport.InMemory;

/// <summary>One message as it waits in an endpoint's queue; <paramref name="Record"/> is its stored row when the queue is durable.</summary>
internal readonly record struct InMemoryDelivery(Envelope Envelope, MessageRecord? Record);
