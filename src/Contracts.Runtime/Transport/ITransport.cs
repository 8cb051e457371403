using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;

namespace Contracts.Transport;

/// <summary>
/// Moves envelopes to endpoints: the in-memory transport and every broker implement it. The core keeps routing of
/// handlers to endpoints, the consume pipeline, retries, the inbox and the decision to dead-letter; a transport
/// carries envelopes, hands each received one to <see cref="TransportContext.Receiver"/> with an
/// <see cref="IDeliveryControl"/>, and says in <see cref="Capabilities"/> what it does natively. Transport packages
/// register one with <see cref="ContractsOptions.UseTransport"/>; every transport passes the compliance suite in
/// <c>Contracts.Testing.Compliance</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface ITransport : IAsyncDisposable
{
    /// <summary>What the transport does itself.</summary>
    TransportCapabilities Capabilities { get; }

    /// <summary>
    /// The OpenTelemetry <c>messaging.system</c> of spans and metrics over this transport: the convention's well-known
    /// value where it has one (<c>rabbitmq</c>), <c>contracts</c> for the in-process transport.
    /// </summary>
    string MessagingSystem => ContractsTelemetry.InProcessSystem;

    /// <summary>Where replies to this process's queries go (with <see cref="TransportCapabilities.RequestReply"/>).</summary>
    string? ReplyAddress { get; }

    /// <summary>The transport's own dead letters (with <see cref="TransportCapabilities.NativeDeadLetters"/>): what <see cref="IDeadLetters"/> lists and replays.</summary>
    IDeadLetterQueue DeadLetters { get; }

    /// <summary>Connects, declares the endpoints of <paramref name="context"/> and starts consuming those with <see cref="EndpointOptions.Consume"/>.</summary>
    /// <param name="context">This process's endpoints, the catalog and the receiver of deliveries.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>Completes when every endpoint is consuming.</returns>
    Task StartAsync(TransportContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Stops consuming. Deliveries being handled finish (and are settled) first; when <see cref="TransportContext.Aborted"/>
    /// is signalled (the shutdown timeout ran out) what is still queued is left unhandled.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait for handlers still running.</param>
    /// <returns>Completes when no delivery is being handled.</returns>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="envelope"/>: to <paramref name="endpoint"/> only when given (a replay), else by its
    /// contract (a command or query to its one endpoint, an event to every subscription). A future
    /// <see cref="Envelope.DeliverAt"/> delays it. Completes when the transport has taken responsibility for it.
    /// </summary>
    /// <param name="envelope">The envelope (its payload is set unless the transport is <see cref="TransportCapabilities.InProcess"/>).</param>
    /// <param name="endpoint">One endpoint, or <see langword="null"/> to route by contract.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the message is accepted.</returns>
    /// <exception cref="NoHandlerException">A command or query reached no endpoint.</exception>
    /// <exception cref="EndpointFullException">The endpoint is full and rejects sends.</exception>
    ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken);

    /// <summary>Sends a query's reply to <see cref="Envelope.ReplyTo"/> of <paramref name="query"/> (with <see cref="TransportCapabilities.RequestReply"/>).</summary>
    /// <param name="query">The query's envelope.</param>
    /// <param name="reply">The serialized result, or the failure.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the reply is sent.</returns>
    ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the transport is connected now (a health check's question): returns what it is connected to, throws
    /// <see cref="InvalidOperationException"/> saying why when it is not (never connected, connection lost). Cheap: it
    /// reads the transport's state and sends nothing. A transport without a connection to lose keeps the default.
    /// </summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A short description of the connection.</returns>
    /// <exception cref="InvalidOperationException">The transport is not connected.</exception>
    ValueTask<string> CheckConnectionAsync(CancellationToken cancellationToken) => ValueTask.FromResult("in process: nothing to connect to");

    /// <summary>
    /// How many messages wait on <paramref name="endpoint"/> and are not being handled yet (a health check's backlog),
    /// or <see langword="null"/> when the transport cannot tell (the default).
    /// </summary>
    /// <param name="endpoint">One of this process's endpoints.</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The number of waiting messages, or <see langword="null"/>.</returns>
    ValueTask<long?> CountBacklogAsync(TransportEndpoint endpoint, CancellationToken cancellationToken) => ValueTask.FromResult<long?>(null);
}
