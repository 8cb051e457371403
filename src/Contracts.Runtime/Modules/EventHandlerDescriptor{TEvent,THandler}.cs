using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Modules;

internal sealed class EventHandlerDescriptor<TEvent, THandler>(Func<IServiceProvider, THandler>? factory) : HandlerDescriptor(TEvent.Contract, typeof(THandler))
    where TEvent : class, IEvent, IContract<TEvent>
    where THandler : class, IEventHandler<TEvent>
{
    protected internal override ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken) =>
        Create(context, factory).HandleAsync((TEvent)message, context, cancellationToken);
}
