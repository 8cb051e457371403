using System;

namespace Contracts;

/// <summary>
/// Base of the three contract attributes. A contract is a <c>partial</c> record or class; the source
/// generator gives it a wire name, a version, a MessagePack formatter and its marker interface.
/// </summary>
public abstract class ContractAttribute : Attribute
{
    /// <summary>
    /// The stable wire name. Defaults to the namespace and type name (for example <c>Shop.PlaceOrder</c>).
    /// Set it before renaming or moving a type so that running systems keep understanding each other.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The contract version, 1 unless set. The catalog keys contracts by name and version.</summary>
    public int Version { get; set; } = 1;
}
