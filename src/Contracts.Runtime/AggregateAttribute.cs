using System;

namespace Contracts;

/// <summary>
/// Marks a partial class deriving from <see cref="Aggregate{TState}"/> as an event-sourced aggregate: the generator
/// wires its <c>Apply(TEvent)</c> methods (a type switch, no reflection), writes its state formatter for snapshots and
/// its definition (<see cref="EventSourcing.IAggregateDefinition{TSelf}"/>), which
/// <see cref="EventSourcing.IAggregateStore"/> loads and saves it with. See docs/aggregates.md.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AggregateAttribute : Attribute
{
    /// <summary>
    /// The prefix of its streams: the aggregate with id <c>42</c> lives in stream <c>{Name}-42</c>. Default: the class
    /// name in kebab case (<c>ShoppingCart</c>: <c>shopping-cart</c>). Set it before renaming the class, or the stored
    /// streams are no longer found.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// Take a snapshot of the state when a save brings the stream this many events past the last snapshot; a load then
    /// reads the snapshot and only the events after it. 0 (the default): never.
    /// </summary>
    public int SnapshotEvery { get; init; }

    /// <summary>
    /// Raise it when the meaning of the state changes without its shape changing (an <c>Apply</c> that now computes
    /// something else): snapshots taken under another value are ignored and the stream is replayed. A change of the
    /// state's shape (members, their types or indexes) invalidates old snapshots by itself.
    /// </summary>
    public int StateVersion { get; init; } = 1;
}
