using System;

namespace Contracts;

/// <summary>
/// Pins a member's position in the wire format. Members are otherwise numbered in declaration order
/// (primary constructor parameters first, then properties declared in the body), so new members must be
/// added at the end; pin indices to reorder freely.
/// </summary>
/// <param name="index">The zero-based position of the member in the serialized array.</param>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = false)]
public sealed class MemberIndexAttribute(int index) : Attribute
{
    /// <summary>The zero-based position of the member in the serialized array.</summary>
    public int Index { get; } = index;
}
