using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Modules;

internal sealed class CommandHandlerDescriptor<TCommand, THandler>(Func<IServiceProvider, THandler>? factory) : HandlerDescriptor(TCommand.Contract, typeof(THandler))
    where TCommand : class, ICommand, IContract<TCommand>
    where THandler : class, ICommandHandler<TCommand>
{
    protected internal override ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken) =>
        Create(context, factory).HandleAsync((TCommand)message, context, cancellationToken);
}
