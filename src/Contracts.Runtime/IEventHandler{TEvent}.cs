using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// Handles one event. Every handler of an event is its own subscription: it receives every event, and its
/// failure does not re-run the others.
/// </summary>
/// <typeparam name="TEvent">
/// The event contract. Deliberately unconstrained: a handler of something that is not an event still compiles, so the
/// build shows the Contracts rule that says what is wrong (CTR007, CTR003) instead of CS0311, and the generator does not
/// wire it.
/// </typeparam>
public interface IEventHandler<in TEvent>
{
    /// <summary>Handles <paramref name="event"/>.</summary>
    /// <param name="event">The event.</param>
    /// <param name="context">Headers of the delivery; sends and publishes through it carry correlation on.</param>
    /// <param name="cancellationToken">Signalled when the bus stops or the delivery is abandoned.</param>
    ValueTask HandleAsync(TEvent @event, MessageContext context, CancellationToken cancellationToken);
}
