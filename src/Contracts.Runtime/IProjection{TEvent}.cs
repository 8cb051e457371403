using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// A projection's step for one event: updates the read model from <typeparamref name="TEvent"/>. Named in the base
/// list of a class marked <see cref="ProjectionAttribute"/>; the generator checks that <typeparamref name="TEvent"/>
/// is an <see cref="EventAttribute"/> contract (CTR055).
/// </summary>
/// <typeparam name="TEvent">The event.</typeparam>
public interface IProjection<in TEvent>
{
    /// <summary>Applies <paramref name="event"/> to the read model.</summary>
    /// <param name="event">The event.</param>
    /// <param name="context">Where it was recorded, the store transaction to write in, the services.</param>
    /// <param name="cancellationToken">Cancels the step (the transaction then rolls back and the event is projected again).</param>
    /// <returns>Completes when applied.</returns>
    ValueTask ProjectAsync(TEvent @event, ProjectionContext context, CancellationToken cancellationToken);
}
