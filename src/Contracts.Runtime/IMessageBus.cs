using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// Sends commands, publishes events and runs queries. The constraints make the kind a compile-time fact:
/// sending an event, publishing a command or querying a command does not compile. The bus runs with its host:
/// it takes messages once the host started it (<c>host.StartAsync()</c>) and until the host has stopped it.
/// </summary>
public interface IMessageBus
{
    /// <summary>Sends a command to its one handler.</summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="options">Delay, headers, correlation and message id; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the send (for example while waiting for room in a full endpoint).</param>
    /// <returns>Completes when the command is accepted by its endpoint; handling happens asynchronously.</returns>
    /// <exception cref="NoHandlerException">No handler for the command is registered.</exception>
    /// <exception cref="EndpointFullException">The endpoint is full and rejects rather than waits.</exception>
    /// <exception cref="InvalidOperationException">The bus is not started (the host has not started yet) or has stopped.</exception>
    ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>;

    /// <summary>Publishes an event to every subscribed handler, each on its own subscription.</summary>
    /// <typeparam name="TEvent">The event contract.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="options">Delay, headers, correlation and message id; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>Completes when every subscription accepted the event. No subscriber is not an error.</returns>
    /// <exception cref="InvalidOperationException">The bus is not started (the host has not started yet) or has stopped.</exception>
    ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : class, IEvent, IContract<TEvent>;

    /// <summary>Runs a query on its one handler and waits for the reply.</summary>
    /// <remarks>
    /// A handler in this process (the in-memory transport) runs inline, on the calling thread, through the consume
    /// pipeline (middleware, telemetry, its DI scope): the endpoint's queue, capacity and
    /// <see cref="EndpointOptions.MaxConcurrency"/> do not apply (<see cref="EndpointOptions.InlineQueries"/> off
    /// queues it instead). The timeout is armed when the handler suspends; at the deadline, or when
    /// <paramref name="cancellationToken"/> is cancelled, the handler's token is cancelled and the caller gets a
    /// <see cref="TimeoutException"/> (or the cancellation) whether or not the handler listens. A handler that blocks
    /// the thread holds its caller. The handler's <see cref="MessageContext"/>, envelope and token are reused by a
    /// later query on the same thread once it has returned: a handler must not keep them past its return.
    /// A handler elsewhere gets the query through its broker queue, and the caller waits for the reply.
    /// </remarks>
    /// <typeparam name="TResult">The result type named by the query.</typeparam>
    /// <param name="query">The query.</param>
    /// <param name="options">Timeout and headers; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the wait, and the handler.</param>
    /// <returns>The handler's result.</returns>
    /// <exception cref="TimeoutException">No reply came within the query timeout.</exception>
    /// <exception cref="NoHandlerException">No handler for the query is registered.</exception>
    /// <exception cref="InvalidOperationException">The bus is not started (the host has not started yet) or has stopped.</exception>
    ValueTask<TResult> QueryAsync<TResult>(IQuery<TResult> query, QueryOptions? options = null, CancellationToken cancellationToken = default);
}
