using System;
using System.Collections.Generic;

namespace Contracts.Storage;

/// <summary>One event as the event log keeps it: its place (stream, version, global position), its metadata and its bytes.</summary>
public sealed class EventRecord
{
    /// <summary>The global position: 1 for the first event ever appended, then one more per event, with no gaps. Set by the append.</summary>
    public long Position { get; set; }

    /// <summary>The stream the event belongs to.</summary>
    public string StreamId { get; set; } = "";

    /// <summary>The event's version in its stream: 1 for the first. Set by the append.</summary>
    public long StreamVersion { get; set; }

    /// <summary>The event's id (a message id: the same when the event is also published).</summary>
    public Guid EventId { get; set; }

    /// <summary>The contract's wire name.</summary>
    public string ContractName { get; set; } = "";

    /// <summary>The contract's version.</summary>
    public int ContractVersion { get; set; } = 1;

    /// <summary>The conversation the event belongs to.</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>The message whose handling raised the event, if any.</summary>
    public Guid? CausationId { get; set; }

    /// <summary>When the event was appended (UTC, milliseconds). Set by the append.</summary>
    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>Application headers, or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; set; }

    /// <summary>The event, serialized by its contract's generated formatter.</summary>
    public ReadOnlyMemory<byte> Payload { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{ContractName} v{ContractVersion} at {StreamId}@{StreamVersion} (position {Position})";
}
