using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Modules;

/// <summary>
/// A query handler whose result type is known: an inline query (handler in this process) calls it through
/// <see cref="QueryAsync"/> and gets the result as the handler's own <see cref="ValueTask{TResult}"/>, with no reply
/// object in between.
/// </summary>
internal abstract class QueryHandlerDescriptor<TResult>(ContractDescriptor contract, Type handlerType) : HandlerDescriptor(contract, handlerType)
{
    /// <summary>Creates the handler and calls it: no state machine, no reply, the handler's own task.</summary>
    /// <param name="context">The delivery's context.</param>
    /// <param name="message">The query, of the contract's type.</param>
    /// <param name="cancellationToken">Cancels the handler.</param>
    /// <returns>The handler's result.</returns>
    internal abstract ValueTask<TResult> QueryAsync(MessageContext context, object message, CancellationToken cancellationToken);
}
