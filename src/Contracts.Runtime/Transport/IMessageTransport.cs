using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Transport;

/// <summary>
/// A broker transport: it moves envelopes between processes. The runtime keeps everything else: routing by
/// contract, the consume pipeline, retries, the inbox and the decision to dead-letter; the transport declares its
/// topology, carries bytes, and acknowledges a delivery once <see cref="ITransportReceiver.ReceiveAsync"/> returns.
/// Transport packages implement it and register it with <see cref="ContractsOptions.UseTransport"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IMessageTransport : IAsyncDisposable
{
    /// <summary>The address replies to this process's queries go to (set as <see cref="Envelope.ReplyTo"/>).</summary>
    string ReplyAddress { get; }

    /// <summary>Connects, declares what <paramref name="context"/> describes and starts consuming its endpoints.</summary>
    /// <param name="context">This process's endpoints, the catalog and the receiver of deliveries.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>Completes when every endpoint is consuming.</returns>
    Task StartAsync(TransportContext context, CancellationToken cancellationToken);

    /// <summary>Stops taking new deliveries; deliveries being handled finish (and are acknowledged) first.</summary>
    /// <param name="cancellationToken">Ends the wait for handlers still running.</param>
    /// <returns>Completes when no delivery is being handled.</returns>
    Task StopConsumingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="envelope"/> (with its payload) by its contract: a command or query to the one endpoint
    /// of its contract, an event to every subscription of its contract. <see cref="Envelope.DeliverAt"/> in the future
    /// delays it. Completes when the broker has taken responsibility for it.
    /// </summary>
    /// <param name="envelope">The envelope, serialized.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the broker confirmed the message.</returns>
    /// <exception cref="NoHandlerException">A command or query reached no endpoint.</exception>
    ValueTask SendAsync(Envelope envelope, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="envelope"/> to one endpoint only (a delayed retry of one subscription).</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="envelope">The envelope, serialized; <see cref="Envelope.DeliverAt"/> delays it.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the broker confirmed the message.</returns>
    ValueTask SendToEndpointAsync(string endpoint, Envelope envelope, CancellationToken cancellationToken);

    /// <summary>Moves a message that failed for good to the endpoint's dead letters, with why.</summary>
    /// <param name="letter">The message (its <see cref="MessageRecord.Endpoint"/> names the endpoint) and the failure.</param>
    /// <param name="cancellationToken">Cancels the move.</param>
    /// <returns>Completes when the broker confirmed the dead letter.</returns>
    ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken);

    /// <summary>Sends a query's reply to the address in <see cref="Envelope.ReplyTo"/> of <paramref name="query"/>.</summary>
    /// <param name="query">The query's envelope.</param>
    /// <param name="reply">The serialized result, or the failure.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the reply is sent.</returns>
    ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken);
}

/// <summary>What a transport needs to know at start: the endpoints this process consumes and whom to hand deliveries.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class TransportContext
{
    internal TransportContext(ContractCatalog catalog, IReadOnlyList<TransportEndpoint> endpoints, ITransportReceiver receiver, int maxPayloadBytes)
    {
        Catalog = catalog;
        Endpoints = endpoints;
        Receiver = receiver;
        MaxPayloadBytes = maxPayloadBytes;
    }

    /// <summary>Every contract this process knows: a received message names one of them, or is unreadable.</summary>
    public ContractCatalog Catalog { get; }

    /// <summary>The endpoints this process consumes: one per command or query handler, one per event subscription.</summary>
    public IReadOnlyList<TransportEndpoint> Endpoints { get; }

    /// <summary>Receives deliveries and replies.</summary>
    public ITransportReceiver Receiver { get; }

    /// <summary>The largest payload accepted (<see cref="ContractsOptions.MaxPayloadBytes"/>).</summary>
    public int MaxPayloadBytes { get; }
}

/// <summary>One endpoint this process consumes.</summary>
/// <param name="Name">The endpoint (queue) name.</param>
/// <param name="Contract">The contract it carries.</param>
/// <param name="Options">Its settings.</param>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed record TransportEndpoint(string Name, ContractDescriptor Contract, EndpointOptions Options)
{
    /// <summary>The routing name of the endpoint's contract (its endpoint name for a command or query, the name every subscription of an event shares).</summary>
    public string ContractAddress => ContractsRuntime.EndpointName(Contract);

    /// <summary>The routing name of <paramref name="contract"/>: where a send or publish of it is addressed.</summary>
    /// <param name="contract">The contract.</param>
    /// <returns>Its name, with a <c>.v</c>N suffix from version 2 on.</returns>
    public static string AddressOf(ContractDescriptor contract) => ContractsRuntime.EndpointName(contract);
}

/// <summary>The runtime's side of a transport: what it calls for each delivery and each reply.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface ITransportReceiver
{
    /// <summary>
    /// Handles one delivery: the handler with the endpoint's retries, then success, a delayed retry (sent back through
    /// <see cref="IMessageTransport.SendToEndpointAsync"/>) or a dead letter. When it returns, acknowledge the delivery;
    /// when it throws (the bus is stopping, or the broker failed under a retry), leave it to be delivered again.
    /// </summary>
    /// <param name="endpoint">The endpoint the delivery came from.</param>
    /// <param name="envelope">The envelope read from the broker's message.</param>
    /// <param name="cancellationToken">Signalled when the transport gives up on the delivery.</param>
    /// <returns>Completes when the delivery may be acknowledged.</returns>
    ValueTask ReceiveAsync(TransportEndpoint endpoint, Envelope envelope, CancellationToken cancellationToken);

    /// <summary>Completes the waiting query whose message id is <paramref name="queryId"/>; a reply nobody waits for any more is dropped.</summary>
    /// <param name="queryId">The query's message id.</param>
    /// <param name="reply">The reply.</param>
    void ReceiveReply(Guid queryId, QueryResponse reply);
}

/// <summary>A query's reply on the wire: the serialized result, or the handler's failure.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly record struct QueryResponse
{
    /// <summary>A successful reply.</summary>
    /// <param name="result">The result, serialized with the query's <see cref="ContractDescriptor.ResultFormatter"/>.</param>
    /// <returns>The reply.</returns>
    public static QueryResponse Success(ReadOnlyMemory<byte> result) => new() { Result = result };

    /// <summary>A failed reply.</summary>
    /// <param name="errorType">The full name of the handler's exception type.</param>
    /// <param name="errorMessage">Its message.</param>
    /// <returns>The reply.</returns>
    public static QueryResponse Failure(string errorType, string errorMessage) => new() { ErrorType = errorType, ErrorMessage = errorMessage };

    /// <summary>The serialized result, when the handler succeeded.</summary>
    public ReadOnlyMemory<byte> Result { get; init; }

    /// <summary>The handler's exception type, when it failed.</summary>
    public string? ErrorType { get; init; }

    /// <summary>The handler's exception message, when it failed.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Whether the handler failed.</summary>
    public bool IsFailure => ErrorType is not null;
}
