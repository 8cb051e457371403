namespace Contracts;

/// <summary>
/// The base of an event-sourced aggregate: a partial class marked <see cref="AggregateAttribute"/> whose
/// <see cref="State"/> is what replaying its stream gives. Its methods decide and <c>Raise</c> events; its
/// <c>Apply(TEvent)</c> methods (one per event, wired by the generator) change the state. See docs/aggregates.md.
/// </summary>
/// <typeparam name="TState">
/// The state: a class or record the generator can serialize (the rules of a contract's members; it is what a snapshot
/// stores), with a parameterless constructor that gives the state before the first event.
/// </typeparam>
public abstract class Aggregate<TState> : Aggregate
    where TState : class, new()
{
    /// <summary>The state after every event applied so far. Replace it (<c>State = State with { ... }</c>) or change it in an <c>Apply</c>.</summary>
    public TState State { get; protected set; } = new();
}
