using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

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

/// <summary>Builds an <see cref="IOutbox"/> over a store's transaction-bound writer; store packages wrap this.</summary>
public static class OutboxExtensions
{
    /// <summary>An outbox whose records <paramref name="writer"/> writes in the caller's transaction.</summary>
    /// <param name="bus">The bus (from <c>AddContracts</c>).</param>
    /// <param name="writer">The store's writer, bound to the caller's transaction.</param>
    /// <returns>The outbox.</returns>
    /// <exception cref="ArgumentException"><paramref name="bus"/> is not the bus <c>AddContracts</c> registered.</exception>
    public static IOutbox Outbox(this IMessageBus bus, IOutboxWriter writer)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(writer);
        if (bus is not MessageBus messageBus)
        {
            throw new ArgumentException("The outbox needs the IMessageBus registered by AddContracts.", nameof(bus));
        }

        return new OutboxBus(messageBus, writer);
    }

    private sealed class OutboxBus(MessageBus bus, IOutboxWriter writer) : IOutbox
    {
        public ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options = null, CancellationToken cancellationToken = default)
            where TCommand : class, ICommand, IContract<TCommand>
        {
            ArgumentNullException.ThrowIfNull(command);
            if (bus.Runtime.InProcess && bus.Runtime.Routes.Find(TCommand.Contract).Length == 0)
            {
                throw new NoHandlerException(TCommand.Contract); // fail now, not in the relay
            }

            return writer.WriteAsync(bus.CreateOutboxRecord(TCommand.Contract, command, options), cancellationToken);
        }

        public ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options = null, CancellationToken cancellationToken = default)
            where TEvent : class, IEvent, IContract<TEvent>
        {
            ArgumentNullException.ThrowIfNull(@event);
            return writer.WriteAsync(bus.CreateOutboxRecord(TEvent.Contract, @event, options), cancellationToken);
        }
    }
}
