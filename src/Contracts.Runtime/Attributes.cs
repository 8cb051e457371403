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

/// <summary>
/// Marks an imperative request (<c>PlaceOrder</c>) that exactly one handler receives, point to point.
/// Send it with <see cref="IMessageBus.SendAsync{TCommand}(TCommand, SendOptions?, System.Threading.CancellationToken)"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class CommandAttribute : ContractAttribute;

/// <summary>
/// Marks a fact in the past tense (<c>OrderPlaced</c>) that every subscribed handler receives, each on its own
/// subscription. Publish it with <see cref="IMessageBus.PublishAsync{TEvent}(TEvent, SendOptions?, System.Threading.CancellationToken)"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class EventAttribute : ContractAttribute;

/// <summary>
/// Marks a request for data answered by exactly one handler. The type must also implement
/// <see cref="IQuery{TResult}"/> to name its result. Run it with <see cref="IMessageBus.QueryAsync{TResult}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class QueryAttribute : ContractAttribute;

/// <summary>
/// Marks a member that identifies the logical message: the idempotency key is the contract name plus the
/// canonical values of every such member, so the same logical message always has the same key and the inbox
/// runs its handler once.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = false)]
public sealed class IdempotencyKeyAttribute : Attribute;

/// <summary>
/// Declares that a handler is safe to run more than once for the same message (its effect is naturally
/// idempotent), so it needs no idempotency key.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class IdempotentAttribute : Attribute;

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
