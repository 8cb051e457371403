using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Routing;
using Contracts.Storage;
using Contracts.Transport;
using Microsoft.Extensions.Logging;

namespace Contracts.Durability;

/// <summary>
/// Dead letters in the store, for a transport that keeps none of its own (without
/// <see cref="TransportCapabilities.NativeDeadLetters"/>). A replay sends the message through the transport to its
/// endpoint first and removes the letter after, so a failure in between leaves the letter (at least once).
/// </summary>
internal sealed class StoreDeadLetters(IMessageStore store, ITransport transport, RouteTable routes, ContractCatalog catalog, ILogger logger) : IDeadLetterQueue
{
    public ValueTask AddAsync(DeadLetter letter, CancellationToken cancellationToken) => store.DeadLetters.AddAsync(letter, cancellationToken);

    public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        store.DeadLetters.ListAsync(afterId, limit, cancellationToken);

    public ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default) => store.DeadLetters.FindAsync(id, cancellationToken);

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => store.DeadLetters.CountAsync(cancellationToken);

    public ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default) =>
        store.DeadLetters.PurgeAsync(failedBefore, cancellationToken);

    public async ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken = default)
    {
        if (await store.DeadLetters.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } letter)
        {
            return false;
        }

        MessageRecord message = letter.Message;
        TransportEndpoint? endpoint = null;
        if (message.Endpoint.Length > 0 && (endpoint = routes.Named(message.Endpoint)) is null)
        {
            throw letter.EndpointNotHere();
        }

        if (!catalog.TryFind(message.ContractName, message.ContractVersion, out ContractDescriptor? contract))
        {
            throw letter.ContractNotKnown();
        }

        await transport.SendAsync(message.ForReplay().ToEnvelope(contract), endpoint, cancellationToken).ConfigureAwait(false);
        bool removed = await store.DeadLetters.RemoveAsync(id, cancellationToken).ConfigureAwait(false);
        Log.Replayed(logger, id, message.MessageId, message.Endpoint);
        return removed;
    }
}
