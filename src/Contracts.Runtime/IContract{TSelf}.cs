using System.ComponentModel;

namespace Contracts;

/// <summary>
/// Implemented by the generator on every contract so the bus reaches its metadata, formatter and
/// idempotency key through static dispatch: no reflection, no dictionary of types.
/// </summary>
/// <typeparam name="TSelf">The contract type itself.</typeparam>
public interface IContract<TSelf> : IMessage
    where TSelf : class, IContract<TSelf>
{
    /// <summary>The contract metadata (generated).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    static abstract ContractDescriptor<TSelf> Contract { get; }

    /// <summary>
    /// The idempotency key of <paramref name="message"/> built from its <see cref="IdempotencyKeyAttribute"/>
    /// members, or <see langword="null"/> when the contract has none (generated).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    static abstract string? GetIdempotencyKey(TSelf message);

    /// <summary>
    /// The stable 64-bit hash of <paramref name="message"/>'s <see cref="PartitionKeyAttribute"/> members (equal in
    /// every process), or <see langword="null"/> when the contract has none (generated where it has some).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    static virtual ulong? GetPartitionKey(TSelf message) => null;
}
