using System.ComponentModel;

namespace Contracts;

/// <summary>What a contract is: it decides how the bus routes it.</summary>
public enum MessageKind
{
    /// <summary>Point to point, exactly one handler.</summary>
    Command = 1,

    /// <summary>Publish/subscribe, zero or more handlers.</summary>
    Event = 2,

    /// <summary>Request/reply, exactly one handler that returns a result.</summary>
    Query = 3,
}

/// <summary>Implemented by every generated contract. Use the derived markers in constraints.</summary>
public interface IMessage
{
    /// <summary>The contract metadata of this message's type (generated).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    ContractDescriptor Descriptor { get; }
}

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
}

/// <summary>Marker the generator puts on every <see cref="CommandAttribute"/> type.</summary>
public interface ICommand : IMessage;

/// <summary>Marker the generator puts on every <see cref="EventAttribute"/> type.</summary>
public interface IEvent : IMessage;

/// <summary>Implemented by a <see cref="QueryAttribute"/> type to name the result its handler returns.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public interface IQuery<TResult> : IMessage;
