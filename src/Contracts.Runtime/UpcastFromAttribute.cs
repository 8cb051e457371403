using System;

namespace Contracts;

/// <summary>
/// Says that this contract reads messages of an older version of itself: <paramref name="olderVersion"/> is a contract
/// with the same wire name, the same kind and a lower version. The generator writes a static <c>Upcast(older)</c> on
/// this type that copies the members of the same name (and a type the new member takes without a cast) and gives the
/// others their defaults, then calls the partial method <c>OnUpcast(older, ref upcast)</c> if the contract implements
/// it. Handlers of this contract then also receive the older version's messages, upcast, and
/// <see cref="ContractDescriptor{T}.TryRead"/> reads either version's bytes as this type (an event store's replay).
/// See docs/evolution.md.
/// </summary>
/// <param name="olderVersion">The older version's contract type.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class UpcastFromAttribute(Type olderVersion) : Attribute
{
    /// <summary>The older version's contract type.</summary>
    public Type OlderVersion { get; } = olderVersion;
}
