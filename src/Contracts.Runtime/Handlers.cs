using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// Handles one command. A class becomes a handler by naming this interface directly in its base list; the
/// generator wires it at compile time. A command has exactly one handler.
/// </summary>
/// <typeparam name="TCommand">The command contract.</typeparam>
public interface ICommandHandler<in TCommand>
    where TCommand : ICommand
{
    /// <summary>Handles <paramref name="command"/>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="context">Headers of the delivery; sends and publishes through it carry correlation on.</param>
    /// <param name="cancellationToken">Signalled when the bus stops or the delivery is abandoned.</param>
    ValueTask HandleAsync(TCommand command, MessageContext context, CancellationToken cancellationToken);
}

/// <summary>
/// Handles one event. Every handler of an event is its own subscription: it receives every event, and its
/// failure does not re-run the others.
/// </summary>
/// <typeparam name="TEvent">The event contract.</typeparam>
public interface IEventHandler<in TEvent>
    where TEvent : IEvent
{
    /// <summary>Handles <paramref name="event"/>.</summary>
    /// <param name="event">The event.</param>
    /// <param name="context">Headers of the delivery; sends and publishes through it carry correlation on.</param>
    /// <param name="cancellationToken">Signalled when the bus stops or the delivery is abandoned.</param>
    ValueTask HandleAsync(TEvent @event, MessageContext context, CancellationToken cancellationToken);
}

/// <summary>Answers one query. A query has exactly one handler.</summary>
/// <typeparam name="TQuery">The query contract.</typeparam>
/// <typeparam name="TResult">The result named by <see cref="IQuery{TResult}"/>.</typeparam>
public interface IQueryHandler<in TQuery, TResult>
    where TQuery : IQuery<TResult>
{
    /// <summary>Answers <paramref name="query"/>.</summary>
    /// <param name="query">The query.</param>
    /// <param name="context">Headers of the delivery.</param>
    /// <param name="cancellationToken">Signalled when the caller gives up or the bus stops.</param>
    /// <returns>The result returned to the caller of <see cref="IMessageBus.QueryAsync{TResult}"/>.</returns>
    ValueTask<TResult> HandleAsync(TQuery query, MessageContext context, CancellationToken cancellationToken);
}
