using System;
using System.Collections.Generic;

namespace Contracts.EventSourcing;

/// <summary>An event read from the event store, with where and when it was recorded.</summary>
/// <param name="Event">The event, read with its contract's generated formatter.</param>
/// <param name="StreamId">Its stream.</param>
/// <param name="StreamVersion">Its version in the stream (1 for the first).</param>
/// <param name="Position">Its global position (1 for the first event ever appended; no gaps).</param>
/// <param name="EventId">Its id.</param>
/// <param name="CorrelationId">The conversation it belongs to.</param>
/// <param name="CausationId">The message whose handling raised it, if any.</param>
/// <param name="RecordedAt">When it was appended.</param>
/// <param name="Headers">Application headers, or <see langword="null"/>.</param>
public sealed record RecordedEvent(
    IEvent Event,
    string StreamId,
    long StreamVersion,
    long Position,
    Guid EventId,
    Guid CorrelationId,
    Guid? CausationId,
    DateTimeOffset RecordedAt,
    IReadOnlyDictionary<string, string>? Headers);
