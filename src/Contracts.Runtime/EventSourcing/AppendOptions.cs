using System;
using System.Collections.Generic;

namespace Contracts.EventSourcing;

/// <summary>The metadata an append records with its events: by default a new conversation, caused by nothing.</summary>
public sealed class AppendOptions
{
    /// <summary>The conversation the events belong to; a new one when not set.</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>The message whose handling raised the events.</summary>
    public Guid? CausationId { get; init; }

    /// <summary>Application headers recorded with every event of the append.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>
    /// Whether the appended events are also published to the bus's subscribers (default true). With a durable store
    /// the publication goes into the outbox in the append's own transaction, so the events are stored and published
    /// together or not at all, and the relay delivers them; with the in-memory store they are published right after
    /// the append.
    /// </summary>
    public bool Publish { get; init; } = true;

    /// <summary>
    /// The handler whose delivery the append belongs to. Where that delivery has a consume transaction (an
    /// <see cref="DeliveryMode.EffectivelyOnce"/> endpoint or a saga step on a SQLite or PostgreSQL store), the append
    /// joins it: the events, their publications, the inline projections' writes and an aggregate's snapshot commit
    /// with the handler's other work and its inbox key, or not at all. Elsewhere the append commits on its own.
    /// </summary>
    public MessageContext? Context { get; init; }

    /// <summary>
    /// The metadata of events raised while handling a message: its conversation, caused by it, so the log says which
    /// command produced which events; and the handler's <see cref="Context"/>, so the append joins the delivery's
    /// transaction where it has one.
    /// </summary>
    /// <param name="context">The handler's context.</param>
    /// <returns>The options.</returns>
    public static AppendOptions From(MessageContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new AppendOptions { CorrelationId = context.CorrelationId, CausationId = context.MessageId, Context = context };
    }

    /// <summary>The delivery whose consume transaction the append joins, or <see langword="null"/>.</summary>
    internal Pipeline.ConsumeContext? Within => Context?.Transactional;
}
