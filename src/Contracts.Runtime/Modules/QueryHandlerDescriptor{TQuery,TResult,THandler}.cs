using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Queries;

namespace Contracts.Modules;

internal sealed class QueryHandlerDescriptor<TQuery, TResult, THandler>(Func<IServiceProvider, THandler>? factory) : QueryHandlerDescriptor<TResult>(TQuery.Contract, typeof(THandler))
    where TQuery : class, IQuery<TResult>, IContract<TQuery>
    where THandler : class, IQueryHandler<TQuery, TResult>
{
    protected internal override async ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken)
    {
        TResult result = await QueryAsync(context, message, cancellationToken).ConfigureAwait(false);
        switch (context.Envelope.Reply)
        {
            case QueryReply<TResult> reply:
                reply.TrySetResult(result);
                break;
            case RemoteQueryReply remote:
                remote.SetResult(result);
                break;
        }
    }

    internal override ValueTask<TResult> QueryAsync(MessageContext context, object message, CancellationToken cancellationToken) =>
        Create(context, factory).HandleAsync((TQuery)message, context, cancellationToken);
}
