using System;
using System.Buffers;
using System.ComponentModel;

namespace Contracts.EventSourcing;

/// <summary>
/// What the generator adds to an <see cref="AggregateAttribute"/> class, which <see cref="IAggregateStore"/> loads and
/// saves it with (static members: no reflection, no lookup). Generated code implements it; applications do not.
/// </summary>
/// <typeparam name="TSelf">The aggregate.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IAggregateDefinition<TSelf>
    where TSelf : Aggregate, IAggregateDefinition<TSelf>
{
    /// <summary>The prefix of its streams (<see cref="AggregateAttribute.Name"/>).</summary>
    static abstract string AggregateName { get; }

    /// <summary>Snapshot every this many events; 0: never (<see cref="AggregateAttribute.SnapshotEvery"/>).</summary>
    static abstract int SnapshotEvery { get; }

    /// <summary>
    /// The state's <see cref="AggregateAttribute.StateVersion"/> and a fingerprint of its shape (members, indexes and
    /// types, nested ones included): a snapshot taken under another value is ignored.
    /// </summary>
    static abstract string StateShape { get; }

    /// <summary>A new aggregate with the initial state.</summary>
    /// <returns>The aggregate.</returns>
    static abstract TSelf Create();

    /// <summary>Writes the state with its generated formatter.</summary>
    /// <param name="aggregate">The aggregate.</param>
    /// <param name="writer">Where to write.</param>
    static abstract void WriteState(TSelf aggregate, IBufferWriter<byte> writer);

    /// <summary>Replaces the state with one written by <see cref="WriteState"/>.</summary>
    /// <param name="aggregate">The aggregate.</param>
    /// <param name="state">The bytes.</param>
    /// <exception cref="MessagePack.MessagePackSerializationException">The bytes are not such a state.</exception>
    static abstract void ReadState(TSelf aggregate, ReadOnlyMemory<byte> state);
}
