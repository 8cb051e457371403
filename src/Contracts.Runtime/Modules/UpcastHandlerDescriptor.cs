using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Modules;

/// <summary>
/// A handler of a newer contract version registered for an older one (<see cref="UpcastFromAttribute"/>): each message
/// of the older version is upcast and handed to the newer version's handler. It has its own endpoint (an event
/// subscription per handler and version), so older producers need not change anything.
/// </summary>
internal sealed class UpcastHandlerDescriptor<TOlder, TNewer>(ContractUpcast<TOlder, TNewer> upcast, HandlerDescriptor newer) : HandlerDescriptor(TOlder.Contract, newer.HandlerType)
    where TOlder : class, IContract<TOlder>
    where TNewer : class, IContract<TNewer>
{
    /// <summary>The newer version's handler.</summary>
    public HandlerDescriptor Newer { get; } = newer;

    protected internal override ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken) =>
        Newer.InvokeAsync(context, upcast.Upcast((TOlder)message), cancellationToken);
}
