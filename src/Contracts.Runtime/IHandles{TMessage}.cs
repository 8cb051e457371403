using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// A step of a saga: handles a command or event for a saga instance that exists (found by the message's
/// <see cref="SagaIdAttribute"/> member). A message for an instance that does not exist, or one that has ended, runs
/// no step (a timeout that comes after the end is how a timeout is cancelled).
/// </summary>
/// <typeparam name="TMessage">
/// The command or event contract. Deliberately unconstrained, like the handler interfaces: the build shows the saga
/// rule that is broken (CTR030, CTR036) instead of CS0311.
/// </typeparam>
public interface IHandles<in TMessage>
{
    /// <summary>Runs the step: reads and sets <see cref="Saga{TState}.State"/>, and sends through <paramref name="context"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="context">The step's context: what it sends, its compensations, timeouts and how the saga ends.</param>
    /// <param name="cancellationToken">Signalled when the bus stops or the delivery is abandoned.</param>
    /// <returns>Completes when the step has; its state and sends are then committed together.</returns>
    ValueTask HandleAsync(TMessage message, SagaContext context, CancellationToken cancellationToken);
}
