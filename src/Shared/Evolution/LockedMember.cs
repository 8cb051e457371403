namespace Contracts.CodeAnalysis;

/// <summary>
/// One member of a <see cref="LockedContract"/>: its wire index and name, its wire type (<see cref="WireTypeNames"/>),
/// whether a reader must have it (<see cref="Required"/>), whether it is part of the idempotency key, and whether it
/// was removed (<see cref="Retired"/>: its index stays taken).
/// </summary>
internal sealed class LockedMember(int index, string name, string wire, bool required, bool key, bool retired)
{
    public int Index { get; } = index;

    public string Name { get; } = name;

    public string Wire { get; } = wire;

    /// <summary>
    /// Whether a message without it cannot be read as meant: its type is not nullable and it has no default value, so
    /// a reader would have to invent one (null for a non-nullable reference, zero for a number).
    /// </summary>
    public bool Required { get; } = required;

    public bool Key { get; } = key;

    public bool Retired { get; } = retired;

    public LockedMember AsRetired() => new(Index, Name, Wire, Required, Key, retired: true);
}
