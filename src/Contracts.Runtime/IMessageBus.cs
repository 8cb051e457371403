using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// Sends commands, publishes events and runs queries. The constraints make the kind a compile-time fact:
/// sending an event, publishing a command or querying a command does not compile.
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
    ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>;

    /// <summary>Publishes an event to every subscribed handler, each on its own subscription.</summary>
    /// <typeparam name="TEvent">The event contract.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="options">Delay, headers, correlation and message id; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>Completes when every subscription accepted the event. No subscriber is not an error.</returns>
    ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : class, IEvent, IContract<TEvent>;

    /// <summary>Runs a query on its one handler and waits for the reply.</summary>
    /// <typeparam name="TResult">The result type named by the query.</typeparam>
    /// <param name="query">The query.</param>
    /// <param name="options">Timeout and headers; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The handler's result.</returns>
    /// <exception cref="TimeoutException">No reply came within the query timeout.</exception>
    /// <exception cref="NoHandlerException">No handler for the query is registered.</exception>
    ValueTask<TResult> QueryAsync<TResult>(IQuery<TResult> query, QueryOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>Options for one send or publish.</summary>
public sealed class SendOptions
{
    /// <summary>Deliver no sooner than this long after the send.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Deliver no sooner than this time.</summary>
    public DateTimeOffset? DeliverAt { get; init; }

    /// <summary>The message id to use: keep the same id when retrying a send after a timeout, so the duplicate can be dropped.</summary>
    public Guid? MessageId { get; init; }

    /// <summary>The conversation to join; a new one (the message id) when not set.</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>Application headers carried with the message.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>
    /// The message's priority, for endpoints with <see cref="EndpointOptions.MaxPriority"/> (higher is handled first;
    /// above the endpoint's maximum counts as its maximum). Ignored elsewhere.
    /// </summary>
    public byte? Priority { get; init; }
}

/// <summary>Options for one query.</summary>
public sealed class QueryOptions
{
    /// <summary>How long to wait for the reply; <see cref="ContractsOptions.QueryTimeout"/> when not set.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The conversation to join; a new one when not set.</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>Application headers carried with the query.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>Thrown when a command or query has no handler registered in the running process.</summary>
public sealed class NoHandlerException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="contract"/>.</summary>
    /// <param name="contract">The contract without a handler.</param>
    public NoHandlerException(ContractDescriptor contract)
        : base($"No handler is registered for {contract.Kind.ToString().ToLowerInvariant()} '{contract}'. " +
               $"Add a class that implements the handler interface for {contract.ClrType.Name} in an assembly the host references, " +
               "so the generator wires it.")
    {
        Contract = contract;
    }

    /// <summary>Creates the exception for <paramref name="contract"/> with a transport's own explanation.</summary>
    /// <param name="contract">The contract without a handler.</param>
    /// <param name="message">Why no handler was reached.</param>
    public NoHandlerException(ContractDescriptor contract, string message)
        : base(message)
    {
        Contract = contract;
    }

    /// <summary>The contract without a handler.</summary>
    public ContractDescriptor Contract { get; }
}

/// <summary>Thrown by a send to an endpoint configured with <see cref="EndpointFullMode.Reject"/> when it is full.</summary>
public sealed class EndpointFullException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="endpoint">The endpoint's name.</param>
    /// <param name="capacity">Its capacity.</param>
    public EndpointFullException(string endpoint, int capacity)
        : base($"Endpoint '{endpoint}' is full ({capacity} messages waiting) and rejects new messages. " +
               "Slow the producer, raise the endpoint's Capacity or MaxConcurrency, or choose FullMode Wait to buffer.")
    {
        Endpoint = endpoint;
        Capacity = capacity;
    }

    /// <summary>Creates the exception with a transport's own explanation, when the capacity is the broker's to know.</summary>
    /// <param name="endpoint">The endpoint's name.</param>
    /// <param name="message">What the transport saw.</param>
    /// <param name="innerException">The transport's error.</param>
    public EndpointFullException(string endpoint, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Endpoint = endpoint;
        Capacity = -1;
    }

    /// <summary>The endpoint's name.</summary>
    public string Endpoint { get; }

    /// <summary>Its capacity, or -1 when the transport does not know it.</summary>
    public int Capacity { get; }
}

/// <summary>Thrown to the caller of a query whose handler, in another process, failed.</summary>
public sealed class QueryFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="contract">The query's contract.</param>
    /// <param name="errorType">The full name of the handler's exception type.</param>
    /// <param name="errorMessage">The handler's exception message.</param>
    public QueryFailedException(ContractDescriptor contract, string errorType, string errorMessage)
        : base($"The handler of query '{contract}' failed with {errorType}: {errorMessage}")
    {
        Contract = contract;
        ErrorType = errorType;
        ErrorMessage = errorMessage;
    }

    /// <summary>The query's contract.</summary>
    public ContractDescriptor Contract { get; }

    /// <summary>The full name of the handler's exception type.</summary>
    public string ErrorType { get; }

    /// <summary>The handler's exception message.</summary>
    public string ErrorMessage { get; }
}
