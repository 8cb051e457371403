using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Transport.InMemory;

/// <summary>
/// Settles deliveries that were never stored (every delivery without a durable store, and queries): there is
/// nothing to remove, so one object serves every such delivery of its endpoint and costs no allocation per message.
/// </summary>
internal sealed class ImmediateDelivery(InMemoryTransport transport) : IDeliveryControl
{
    public EndpointQueue Queue { get; set; } = null!;

    public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Nothing keeps it: a message left unhandled at stop is gone (counted in the drain's log).</summary>
    public ValueTask AbandonAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken) => transport.Store.DeadLetters.AddAsync(letter, cancellationToken);

    public ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken) =>
        transport.RetryLaterAsync(new InMemoryDelivery(retry, null), Queue, cancellationToken);
}
