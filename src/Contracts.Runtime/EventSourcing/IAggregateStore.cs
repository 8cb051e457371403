using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.EventSourcing;

/// <summary>
/// Loads and saves event-sourced aggregates (<see cref="AggregateAttribute"/> classes) in the <see cref="IEventStore"/>:
/// the aggregate with id <c>42</c> of an aggregate named <c>order</c> lives in stream <c>order-42</c>. A load replays the
/// stream (or reads the newest snapshot and the events after it); a save appends the raised events expecting the
/// version loaded, so of two writers that loaded the same version exactly one succeeds. Injected as a singleton by
/// <c>AddContracts</c>; usable once the bus has started. See docs/aggregates.md.
/// </summary>
public interface IAggregateStore
{
    /// <summary>
    /// The aggregate <paramref name="id"/> as its stream has it now: from the newest usable snapshot and the events
    /// after it, or the whole stream. A stream that holds nothing gives a new aggregate at version 0, which a save
    /// creates (expecting that the stream still holds nothing).
    /// </summary>
    /// <typeparam name="TAggregate">The aggregate.</typeparam>
    /// <param name="id">Its id (not empty, at most 150 characters).</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The aggregate.</returns>
    /// <exception cref="StreamDeletedException">Its stream was deleted.</exception>
    ValueTask<TAggregate> LoadAsync<TAggregate>(string id, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>;

    /// <summary>
    /// Loads aggregate <paramref name="id"/> to change it while handling a message: where the delivery has a consume
    /// transaction (an <see cref="DeliveryMode.EffectivelyOnce"/> endpoint or a saga step on a SQLite or PostgreSQL
    /// store) the events are read inside it, so the load sees what was appended in it (on SQLite, by the deliveries that
    /// commit together with this one too); save it with <see cref="AppendOptions.From"/>, and the new events commit
    /// with the delivery. Elsewhere, as <see cref="LoadAsync{TAggregate}(string, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="TAggregate">The aggregate.</typeparam>
    /// <param name="id">Its id (not empty, at most 150 characters).</param>
    /// <param name="context">The handler's context.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The aggregate.</returns>
    /// <exception cref="StreamDeletedException">The aggregate's stream was deleted.</exception>
    ValueTask<TAggregate> LoadAsync<TAggregate>(string id, MessageContext context, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>;

    /// <summary>
    /// The aggregate <paramref name="id"/> as it was at <paramref name="version"/> (or at the stream's last version, if
    /// that is lower): a temporal query. The result is historical: it cannot raise events or be saved.
    /// </summary>
    /// <typeparam name="TAggregate">The aggregate.</typeparam>
    /// <param name="id">Its id.</param>
    /// <param name="version">The last event to apply (1 or more).</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The aggregate as it was.</returns>
    /// <exception cref="StreamDeletedException">Its stream was deleted.</exception>
    ValueTask<TAggregate> LoadAsOfAsync<TAggregate>(string id, long version, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>;

    /// <summary>
    /// The aggregate <paramref name="id"/> as it was at <paramref name="time"/>: every event recorded at or before it
    /// applied. The result is historical: it cannot raise events or be saved.
    /// </summary>
    /// <typeparam name="TAggregate">The aggregate.</typeparam>
    /// <param name="id">Its id.</param>
    /// <param name="time">The moment (events are recorded to the millisecond).</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The aggregate as it was (version 0 before its first event).</returns>
    /// <exception cref="StreamDeletedException">Its stream was deleted.</exception>
    ValueTask<TAggregate> LoadAsOfAsync<TAggregate>(string id, DateTimeOffset time, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>;

    /// <summary>
    /// Appends the aggregate's pending events as one unit, expecting its stream to be at the version it was loaded at
    /// (<see cref="ExpectedVersion.Exactly"/>), then takes a snapshot if its <see cref="AggregateAttribute.SnapshotEvery"/>
    /// is due (after the append: a snapshot that fails is logged and costs only speed). Nothing pending: nothing happens.
    /// </summary>
    /// <typeparam name="TAggregate">The aggregate.</typeparam>
    /// <param name="aggregate">The aggregate, loaded by this store.</param>
    /// <param name="options">The events' metadata; in a handler, <see cref="AppendOptions.From"/> its context.</param>
    /// <param name="cancellationToken">Cancels the save (the append then happened entirely or not at all).</param>
    /// <returns>The stream's version after the save.</returns>
    /// <exception cref="WrongExpectedVersionException">Another writer appended since the load: nothing was written; load again and decide again.</exception>
    /// <exception cref="StreamArchivedException">The aggregate's stream was archived: it is read-only.</exception>
    /// <exception cref="StreamDeletedException">The aggregate's stream was deleted.</exception>
    /// <exception cref="InvalidOperationException">The aggregate is historical, or was not loaded by a store.</exception>
    ValueTask<long> SaveAsync<TAggregate>(TAggregate aggregate, AppendOptions? options = null, CancellationToken cancellationToken = default)
        where TAggregate : Aggregate, IAggregateDefinition<TAggregate>;
}
