using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// Sends and publishes written to the outbox in the caller's database transaction instead of delivered at once:
/// they become visible when the caller commits (together with its business change) and vanish on rollback. A
/// relay in the bus delivers committed records and marks them relayed; a relay that stops between the two
/// delivers again with the same message id and idempotency key, which an <see cref="DeliveryMode.EffectivelyOnce"/>
/// endpoint's inbox drops. Get one from a store package (for SQLite: <c>bus.WithTransaction(transaction)</c>).
/// </summary>
public interface IOutbox
{
    /// <summary>Writes a command to the outbox.</summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="options">Delay, headers, correlation and message id.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the row is written in the caller's transaction.</returns>
    /// <exception cref="NoHandlerException">No handler for the command is registered.</exception>
    ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>;

    /// <summary>Writes an event to the outbox.</summary>
    /// <typeparam name="TEvent">The event contract.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="options">Delay, headers, correlation and message id.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the row is written in the caller's transaction.</returns>
    ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : class, IEvent, IContract<TEvent>;
}
