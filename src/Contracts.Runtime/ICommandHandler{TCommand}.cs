using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// Handles one command. A class becomes a handler by naming this interface directly in its base list; the
/// generator wires it at compile time. A command has exactly one handler.
/// </summary>
/// <typeparam name="TCommand">
/// The command contract. Deliberately unconstrained: a handler of something that is not a command (an event, an unmarked
/// type, a contract that cannot be generated) still compiles, so the build shows the Contracts rule that says what is
/// wrong (CTR007, CTR003) instead of CS0311, and the generator does not wire it.
/// </typeparam>
public interface ICommandHandler<in TCommand>
{
    /// <summary>Handles <paramref name="command"/>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="context">Headers of the delivery; sends and publishes through it carry correlation on.</param>
    /// <param name="cancellationToken">Signalled when the bus stops or the delivery is abandoned.</param>
    ValueTask HandleAsync(TCommand command, MessageContext context, CancellationToken cancellationToken);
}
