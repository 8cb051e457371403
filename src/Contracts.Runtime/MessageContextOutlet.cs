using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// Where a unit test's <see cref="MessageContext"/> sends: Contracts.Testing records what a handler sent, published
/// and queried. Internal: a test builds the context through Contracts.Testing's <c>TestMessageContext</c>.
/// </summary>
internal abstract class MessageContextOutlet
{
    public abstract ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options, MessageContext parent, CancellationToken cancellationToken)
        where TCommand : class, ICommand, IContract<TCommand>;

    public abstract ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options, MessageContext parent, CancellationToken cancellationToken)
        where TEvent : class, IEvent, IContract<TEvent>;

    public abstract ValueTask<TResult> QueryAsync<TResult>(IQuery<TResult> query, MessageContext parent, CancellationToken cancellationToken);
}
