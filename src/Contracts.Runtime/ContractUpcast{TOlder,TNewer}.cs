using System;
using System.ComponentModel;
using Contracts.Modules;

namespace Contracts;

/// <summary>Reads <typeparamref name="TOlder"/> as <typeparamref name="TNewer"/> with a generated conversion.</summary>
/// <typeparam name="TOlder">The older version's contract type.</typeparam>
/// <typeparam name="TNewer">The newer version's contract type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class ContractUpcast<TOlder, TNewer> : ContractUpcast
    where TOlder : class, IContract<TOlder>
    where TNewer : class, IContract<TNewer>
{
    private readonly Func<TOlder, TNewer> _upcast;

    /// <summary>Created by generated code.</summary>
    /// <param name="upcast">The generated conversion (the newer type's static <c>Upcast</c>).</param>
    public ContractUpcast(Func<TOlder, TNewer> upcast)
        : base(TOlder.Contract)
    {
        _upcast = upcast ?? throw new ArgumentNullException(nameof(upcast));
    }

    /// <inheritdoc />
    public override object Upcast(object older) => _upcast((TOlder)older);

    /// <summary>Converts <paramref name="older"/> into the newer contract.</summary>
    /// <param name="older">A message of the older version.</param>
    /// <returns>The message as the newer version.</returns>
    public TNewer Upcast(TOlder older) => _upcast(older);

    internal override HandlerDescriptor Adapt(HandlerDescriptor newer) => new UpcastHandlerDescriptor<TOlder, TNewer>(this, newer);
}
