using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>Answers one query. A query has exactly one handler.</summary>
/// <typeparam name="TQuery">
/// The query contract. Deliberately unconstrained: a handler of something that is not a query, or with another result
/// than the query's <see cref="IQuery{TResult}"/>, still compiles, so the build shows the Contracts rule that says what
/// is wrong (CTR007, CTR008, CTR003) instead of CS0311, and the generator does not wire it.
/// </typeparam>
/// <typeparam name="TResult">The result named by <see cref="IQuery{TResult}"/>.</typeparam>
public interface IQueryHandler<in TQuery, TResult>
{
    /// <summary>Answers <paramref name="query"/>.</summary>
    /// <param name="query">The query.</param>
    /// <param name="context">Headers of the delivery.</param>
    /// <param name="cancellationToken">Signalled when the caller gives up or the bus stops.</param>
    /// <returns>The result returned to the caller of <see cref="IMessageBus.QueryAsync{TResult}"/>.</returns>
    ValueTask<TResult> HandleAsync(TQuery query, MessageContext context, CancellationToken cancellationToken);
}
