using System;
using System.Buffers;
using System.Collections.Generic;
using MessagePack;

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

    /// <summary>Application headers, or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; set; }

    /// <summary>The serialized message.</summary>
    public ReadOnlyMemory<byte> Payload { get; set; }

    /// <summary>When the first delivery failed, for a message waiting for a delayed retry.</summary>
    public DateTimeOffset? FirstFailedAt { get; set; }

    /// <summary>The last failure, for a message waiting for a delayed retry.</summary>
    public string? LastError { get; set; }

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

    /// <summary>A copy to deliver again as attempt 1 on the same endpoint, with no failure (a dead letter's replay).</summary>
    internal MessageRecord ForReplay()
    {
        MessageRecord copy = CopyFor(Endpoint);
        copy.Attempt = 1;
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
        Headers = envelope.Headers,
        Payload = payload,
    };
}

/// <summary>Why a message went to dead letters.</summary>
public enum DeadLetterReason
{
    /// <summary>Its handler failed on every attempt the retry policy allowed, or with an exception it never retries.</summary>
    Failed = 1,

    /// <summary>It cannot be read: bad bytes, or a payload over <see cref="ContractsOptions.MaxPayloadBytes"/>.</summary>
    Unreadable = 2,

    /// <summary>Its contract name and version are not in this process's compiled catalog.</summary>
    UnknownContract = 3,
}

/// <summary>A message that failed every retry or could not be read, kept with the reason, for inspection and replay.</summary>
public sealed class DeadLetter
{
    /// <summary>The store's id of the dead letter; 0 until stored.</summary>
    public long Id { get; set; }

    /// <summary>The message as it was queued, on its original endpoint.</summary>
    public required MessageRecord Message { get; init; }

    /// <summary>Why it is here.</summary>
    public DeadLetterReason Reason { get; init; }

    /// <summary>The full name of the last exception's type.</summary>
    public string ExceptionType { get; init; } = "";

    /// <summary>The last exception's message.</summary>
    public string ExceptionMessage { get; init; } = "";

    /// <summary>The last exception with its stack trace and inner exceptions (<see cref="Exception.ToString"/>).</summary>
    public string StackTrace { get; init; } = "";

    /// <summary>How many times the handler ran (0 for a message that could not be read or routed).</summary>
    public int Attempts { get; init; }

    /// <summary>When the first attempt failed.</summary>
    public DateTimeOffset FirstFailedAt { get; init; }

    /// <summary>When the last attempt failed.</summary>
    public DateTimeOffset LastFailedAt { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"dead letter {Id}: {Message} ({Reason}, {Attempts} attempts): {ExceptionType}: {ExceptionMessage}";

    /// <summary>The dead letter of <paramref name="message"/> that failed with <paramref name="error"/>.</summary>
    internal static DeadLetter From(MessageRecord message, DeadLetterReason reason, Exception error, int attempts, DateTimeOffset firstFailedAt, DateTimeOffset lastFailedAt) => new()
    {
        Message = message,
        Reason = reason,
        ExceptionType = error.GetType().FullName ?? error.GetType().Name,
        ExceptionMessage = error.Message,
        StackTrace = error.ToString(),
        Attempts = attempts,
        FirstFailedAt = firstFailedAt,
        LastFailedAt = lastFailedAt,
    };
}

/// <summary>Encodes application headers as a MessagePack map, for stores that keep them in one column.</summary>
public static class HeaderCodec
{
    /// <summary>The headers as bytes, or <see langword="null"/> when there are none.</summary>
    /// <param name="headers">The headers.</param>
    /// <returns>The bytes.</returns>
    public static byte[]? Encode(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(headers.Count);
        foreach (KeyValuePair<string, string> header in headers)
        {
            writer.Write(header.Key);
            writer.Write(header.Value);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Headers from <see cref="Encode"/>'s bytes.</summary>
    /// <param name="bytes">The bytes; empty for none.</param>
    /// <returns>The headers, or <see langword="null"/>.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not a header map.</exception>
    public static IReadOnlyDictionary<string, string>? Decode(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return null;
        }

        var reader = new MessagePackReader(bytes);
        int count = reader.ReadMapHeader();
        if (count > 4096)
        {
            throw new MessagePackSerializationException($"A header map of {count} entries is not plausible.");
        }

        var headers = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string key = reader.ReadString() ?? "";
            headers[key] = reader.ReadString() ?? "";
        }

        return headers;
    }
}
