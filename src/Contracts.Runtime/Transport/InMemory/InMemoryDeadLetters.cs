using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Storage;

namespace Contracts.Transport.InMemory;

/// <summary>The in-memory transport's dead letters: rows of its store (in memory without a durable one).</summary>
internal sealed class InMemoryDeadLetters(InMemoryTransport transport) : IDeadLetterQueue
{
    public ValueTask AddAsync(DeadLetter letter, CancellationToken cancellationToken) => transport.Store.DeadLetters.AddAsync(letter, cancellationToken);

    public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        transport.Store.DeadLetters.ListAsync(afterId, limit, cancellationToken);

    public ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default) =>
        transport.Store.DeadLetters.FindAsync(id, cancellationToken);

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => transport.Store.DeadLetters.CountAsync(cancellationToken);

    public ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default) =>
        transport.Store.DeadLetters.PurgeAsync(failedBefore, cancellationToken);

    /// <summary>Sends the letter again to its endpoint as attempt 1: removed from dead letters and (durable) queued, claimed by this bus, in one commit.</summary>
    public async ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken = default)
    {
        DeadLetter? letter = await transport.Store.DeadLetters.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (letter is null)
        {
            return false;
        }

        MessageRecord message = letter.Message;
        if (!transport.TryGetQueue(message.Endpoint, out EndpointQueue queue))
        {
            throw letter.EndpointNotHere();
        }

        if (!transport.Catalog.TryFind(message.ContractName, message.ContractVersion, out ContractDescriptor? contract))
        {
            throw letter.ContractNotKnown();
        }

        MessageRecord requeued = message.ForReplay();
        bool replayed = transport.IsDurable
            ? await transport.Store.DeadLetters.ReplayAsync(id, requeued, transport.Claims.Next(), cancellationToken).ConfigureAwait(false)
            : await transport.Store.DeadLetters.RemoveAsync(id, cancellationToken).ConfigureAwait(false);
        if (!replayed)
        {
            return false;
        }

        await transport.EnqueueDeliveryAsync(new InMemoryDelivery(requeued.ToEnvelope(contract), transport.IsDurable ? requeued : null), queue, cancellationToken).ConfigureAwait(false);
        Log.Replayed(transport.Logger, id, message.MessageId, message.Endpoint);
        return true;
    }
}
