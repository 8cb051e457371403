using System.ComponentModel;
using Contracts.Modules;

namespace Contracts;

/// <summary>
/// How a contract reads one older version of itself: the older version's descriptor and the conversion the generator
/// wrote from its <see cref="UpcastFromAttribute"/>. Created by generated code, one per attribute.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class ContractUpcast
{
    private protected ContractUpcast(ContractDescriptor older) => Older = older;

    /// <summary>The older version.</summary>
    public ContractDescriptor Older { get; }

    /// <summary>Converts a message of <see cref="Older"/> into the newer contract.</summary>
    /// <param name="older">A message of the older version.</param>
    /// <returns>The message as the newer version.</returns>
    public abstract object Upcast(object older);

    /// <summary>A handler of the older version that upcasts each message and hands it to <paramref name="newer"/>.</summary>
    internal abstract HandlerDescriptor Adapt(HandlerDescriptor newer);
}
