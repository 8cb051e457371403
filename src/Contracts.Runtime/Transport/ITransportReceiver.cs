using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Transport;

/// <summary>The core's side of a transport: what it calls for each delivery and each reply.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface ITransportReceiver
{
    /// <summary>
    /// Handles a message as it came off the wire: <see cref="EnvelopeCodec"/> reads it (one it cannot read, or
    /// that names a contract the endpoint does not carry, is dead-lettered with the reason and counted), then the
    /// consume pipeline runs and settles it through <paramref name="control"/>.
    /// </summary>
    /// <param name="endpoint">The endpoint it came from.</param>
    /// <param name="headers">Its headers, translated to <see cref="EnvelopeHeaders"/> names.</param>
    /// <param name="body">Its payload; copied if kept past the call.</param>
    /// <param name="control">Settles the delivery.</param>
    /// <param name="cancellationToken">Signalled when the transport gives up on the delivery.</param>
    /// <returns>Completes when the delivery is settled; throws when it could not be (leave it for redelivery).</returns>
    ValueTask ReceiveAsync(TransportEndpoint endpoint, IHeaderReader headers, ReadOnlyMemory<byte> body, IDeliveryControl control, CancellationToken cancellationToken);

    /// <summary>Handles an envelope an in-process transport carried as it was sent.</summary>
    /// <param name="endpoint">The endpoint it came from.</param>
    /// <param name="envelope">The envelope.</param>
    /// <param name="control">Settles the delivery.</param>
    /// <returns>Completes when the delivery is settled.</returns>
    ValueTask ReceiveAsync(TransportEndpoint endpoint, Envelope envelope, IDeliveryControl control);

    /// <summary>Completes the waiting query whose message id is <paramref name="queryId"/>; a reply nobody waits for any more is dropped.</summary>
    /// <param name="queryId">The query's message id.</param>
    /// <param name="reply">The reply.</param>
    void ReceiveReply(Guid queryId, QueryResponse reply);
}
