using System;
using System.Collections.Generic;

namespace Contracts.Storage;

/// <summary>
/// The stored form of one message on one endpoint: the envelope's headers as plain values (the contract by
/// wire name and version, never a CLR type) and the payload bytes. Stores persist it; the runtime turns it back
/// into an <see cref="Envelope"/> through the compiled <see cref="ContractCatalog"/>.
/// </summary>
public sealed class MessageRecord
{
    /// <summary>The store's id of the record: increasing in the order records were stored; 0 until stored.</summary>
    public long Sequence { get; set; }

    /// <summary>The endpoint the message waits on; empty for an outbox record, which is routed when relayed.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The message id.</summary>
    public Guid MessageId { get; set; }

    /// <summary>The contract's wire name.</summary>
    public string ContractName { get; set; } = "";

    /// <summary>The contract's version.</summary>
    public int ContractVersion { get; set; } = 1;

    /// <summary>The conversation the message belongs to.</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>The message whose handler sent this one, if any.</summary>
    public Guid? CausationId { get; set; }

    /// <summary>The idempotency key, if the contract has key members.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>The attempt the next delivery will be, starting at 1.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>When the producer sent the message.</summary>
    public DateTimeOffset SentAt { get; set; }

    /// <summary>The earliest delivery time, or <see langword="null"/> for at once.</summary>
    public DateTimeOffset? DueAt { get; set; }

    /// <summary>The W3C <c>traceparent</c> of the producer.</summary>
    public string? TraceParent { get; set; }

    /// <summary>The W3C <c>tracestate</c> of the producer.</summary>
    public string? TraceState { get; set; }

    /// <summary>The message's priority (<see cref="SendOptions.Priority"/>; 0 unless the producer set one).</summary>
    public byte Priority { get; set; }

    /// <summary>Application headers, or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; set; }

    /// <summary>The serialized message.</summary>
    public ReadOnlyMemory<byte> Payload { get; set; }

    /// <summary>When the first delivery failed, for a message waiting for a delayed retry.</summary>
    public DateTimeOffset? FirstFailedAt { get; set; }

    /// <summary>The last failure, for a message waiting for a delayed retry.</summary>
    public string? LastError { get; set; }

    /// <summary>
    /// How many times a bus claimed the queued row and did not give it back: the store's durable count of deliveries
    /// that may have ended with the process (a handler that called <see cref="Environment.FailFast(string)"/>, a stack
    /// overflow). 0 for a row as <see cref="IQueueStore.EnqueueAsync"/> stores it; <see cref="IQueueStore.ClaimAsync"/>
    /// adds 1 in the statement that claims the row (the claimed record carries the new value); either
    /// <c>ReleaseAsync</c> takes 1 back, never below 0 (a released row was given back unhandled); other writes leave it.
    /// The runtime dead-letters a row claimed more than <see cref="ContractsOptions.MaxUnfinishedDeliveries"/> times
    /// (<see cref="DeadLetterReason.CrashLoop"/>) instead of handling it again.
    /// </summary>
    public int Deliveries { get; set; }

    /// <summary>A copy of this record for <paramref name="endpoint"/>, not yet stored.</summary>
    /// <param name="endpoint">The endpoint of the copy.</param>
    /// <returns>The copy.</returns>
    public MessageRecord CopyFor(string endpoint)
    {
        var copy = (MessageRecord)MemberwiseClone();
        copy.Endpoint = endpoint;
        copy.Sequence = 0;
        return copy;
    }

    /// <inheritdoc />
    public override string ToString() => $"{ContractName} v{ContractVersion} {MessageId} on '{Endpoint}' (attempt {Attempt})";

    /// <summary>
    /// A copy to deliver again as attempt 1 on the same endpoint, with no failure, not yet stored: what a dead letter's
    /// replay queues (<see cref="IDeadLetterStore.ReplayAsync"/>), in a bus or in a tool working on the store directly.
    /// </summary>
    /// <returns>The copy.</returns>
    public MessageRecord ForReplay()
    {
        MessageRecord copy = CopyFor(Endpoint);
        copy.Attempt = 1;
        copy.Deliveries = 0;
        copy.DueAt = null;
        copy.FirstFailedAt = null;
        copy.LastError = null;
        return copy;
    }

    /// <summary>This record as an envelope of <paramref name="contract"/> (the contract its name and version find in a catalog).</summary>
    /// <param name="contract">The record's contract.</param>
    /// <returns>The envelope, carrying the payload.</returns>
    public Envelope ToEnvelope(ContractDescriptor contract) => new(contract, MessageId)
    {
        CorrelationId = CorrelationId,
        CausationId = CausationId,
        IdempotencyKey = IdempotencyKey,
        Attempt = Attempt,
        SentAt = SentAt,
        DeliverAt = DueAt,
        TraceParent = TraceParent,
        TraceState = TraceState,
        Priority = Priority,
        Headers = Headers,
        Payload = Payload,
    };

    internal static MessageRecord FromEnvelope(Envelope envelope, string endpoint, ReadOnlyMemory<byte> payload) => new()
    {
        Endpoint = endpoint,
        MessageId = envelope.MessageId,
        ContractName = envelope.Contract.Name,
        ContractVersion = envelope.Contract.Version,
        CorrelationId = envelope.CorrelationId,
        CausationId = envelope.CausationId,
        IdempotencyKey = envelope.IdempotencyKey,
        Attempt = envelope.Attempt,
        SentAt = envelope.SentAt,
        DueAt = envelope.DeliverAt,
        TraceParent = envelope.TraceParent,
        TraceState = envelope.TraceState,
        Priority = envelope.Priority,
        Headers = envelope.Headers,
        Payload = payload,
    };
}
