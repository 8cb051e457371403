using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts;

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
