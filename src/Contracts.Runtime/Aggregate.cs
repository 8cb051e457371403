using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace Contracts;

/// <summary>
/// What every aggregate has, whatever its state: its id and stream, the version it was loaded at, and the events
/// raised since (<see cref="PendingEvents"/>), which <see cref="EventSourcing.IAggregateStore.SaveAsync"/> appends. Derive
/// from <see cref="Aggregate{TState}"/>.
/// </summary>
public abstract class Aggregate
{
    private List<IEvent>? _pending;

    /// <summary>The aggregate's id (the stream is <c>{name}-{id}</c>). Set when it is loaded.</summary>
    public string Id { get; internal set; } = "";

    /// <summary>The stream its events are stored in.</summary>
    public string StreamId { get; internal set; } = "";

    /// <summary>The version of the last stored event applied: 0 for an aggregate whose stream holds nothing yet.</summary>
    public long Version { get; internal set; }

    /// <summary>
    /// Whether it was loaded as of an earlier version or time (a temporal query): it shows the past and cannot raise or
    /// be saved.
    /// </summary>
    public bool IsHistorical { get; internal set; }

    /// <summary>The events raised since it was loaded or saved, oldest first.</summary>
    public IReadOnlyList<IEvent> PendingEvents => _pending is null ? [] : _pending;

    /// <summary>The version of the snapshot it was loaded from or last took (0: none).</summary>
    internal long SnapshotVersion { get; set; }

    /// <summary>
    /// Records <paramref name="event"/> as a new fact of this aggregate and applies it to the state, through the
    /// <c>Apply</c> method the generator wired for its type. Decide first (throw when a rule forbids it), then raise:
    /// an event is raised only when its <c>Apply</c> completed.
    /// </summary>
    /// <typeparam name="TEvent">The event's contract.</typeparam>
    /// <param name="event">The event.</param>
    /// <exception cref="InvalidOperationException">The aggregate has no <c>Apply</c> for it, or it is historical.</exception>
    protected void Raise<TEvent>(TEvent @event)
        where TEvent : class, IEvent
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (IsHistorical)
        {
            throw new InvalidOperationException(
                $"'{GetType().Name}' {Id} was loaded as of version {Version}, in the past: it cannot raise events. Load it without a version or time to change it.");
        }

        if (!ApplyEvent(@event))
        {
            throw new InvalidOperationException(
                $"'{GetType().Name}' has no Apply({@event.GetType().Name}) method, so the event would change nothing; add one (the generator wires it), " +
                "and check that the class is partial and marked [Aggregate].");
        }

        (_pending ??= []).Add(@event);
    }

    /// <summary>Applies <paramref name="event"/> to the state; generated from the <c>Apply</c> methods. Applications do not call it.</summary>
    /// <param name="event">The event.</param>
    /// <returns>False when the aggregate has no <c>Apply</c> for the event's type.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual bool ApplyEvent(IEvent @event) => false;

    /// <summary>Applies a stored event while loading (an event the aggregate has no <c>Apply</c> for changes nothing).</summary>
    internal void Replay(IEvent @event, long version)
    {
        ApplyEvent(@event);
        Version = version;
    }

    /// <summary>After a save: the pending events are stored, up to <paramref name="version"/>.</summary>
    internal void Saved(long version)
    {
        Version = version;
        _pending?.Clear();
    }
}
