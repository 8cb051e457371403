using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Contracts.Storage;

namespace Contracts.Transport;

/// <summary>
/// Writes an envelope onto a transport's headers and reads it back, checking what a received message claims: a
/// contract and version in the compiled catalog, a message id, a payload within the size limit. Every transport
/// uses it, so these rules and the header names exist once.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class EnvelopeCodec
{
    /// <summary>Writes every header of <paramref name="envelope"/>, application headers first.</summary>
    /// <param name="envelope">The envelope.</param>
    /// <param name="headers">The transport's writer.</param>
    public static void Write(Envelope envelope, IHeaderWriter headers)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(headers);
        WriteMessage(
            headers, envelope.Headers, envelope.MessageId, envelope.Contract.Name, envelope.Contract.Version, envelope.CorrelationId, envelope.CausationId,
            envelope.IdempotencyKey, envelope.Attempt, envelope.SentAt, envelope.DeliverAt, envelope.TraceParent, envelope.TraceState);
        SetIf(headers, EnvelopeHeaders.DeliverBy, envelope.DeliverBy is { } by ? Text(by.ToUnixTimeMilliseconds()) : null);
        SetIf(headers, EnvelopeHeaders.ReplyTo, envelope.ReplyTo);
        SetIf(headers, EnvelopeHeaders.Priority, envelope.Priority > 0 ? Text(envelope.Priority) : null);
    }

    /// <summary>Writes <paramref name="record"/>'s headers: a stored message, whose contract this process may not know.</summary>
    /// <param name="record">The message.</param>
    /// <param name="headers">The transport's writer.</param>
    public static void Write(MessageRecord record, IHeaderWriter headers)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(headers);
        WriteMessage(
            headers, record.Headers, record.MessageId, record.ContractName, record.ContractVersion, record.CorrelationId, record.CausationId,
            record.IdempotencyKey, record.Attempt, record.SentAt, record.DueAt, record.TraceParent, record.TraceState);
    }

    /// <summary>The headers an envelope and a stored record share, application headers first.</summary>
    private static void WriteMessage(
        IHeaderWriter headers, IReadOnlyDictionary<string, string>? application, Guid messageId, string contract, int version, Guid correlationId,
        Guid? causationId, string? idempotencyKey, int attempt, DateTimeOffset sentAt, DateTimeOffset? deliverAt, string? traceParent, string? traceState)
    {
        if (application is not null)
        {
            foreach (KeyValuePair<string, string> header in application)
            {
                headers.Set(header.Key, header.Value);
            }
        }

        headers.Set(EnvelopeHeaders.MessageId, messageId.ToString());
        headers.Set(EnvelopeHeaders.Contract, contract);
        headers.Set(EnvelopeHeaders.Version, Text(version));
        headers.Set(EnvelopeHeaders.CorrelationId, correlationId.ToString());
        headers.Set(EnvelopeHeaders.Attempt, Text(attempt));
        headers.Set(EnvelopeHeaders.SentAt, Text(sentAt.ToUnixTimeMilliseconds()));
        SetIf(headers, EnvelopeHeaders.CausationId, causationId?.ToString());
        SetIf(headers, EnvelopeHeaders.IdempotencyKey, idempotencyKey);
        SetIf(headers, EnvelopeHeaders.DeliverAt, deliverAt is { } due ? Text(due.ToUnixTimeMilliseconds()) : null);
        SetIf(headers, EnvelopeHeaders.TraceParent, traceParent);
        SetIf(headers, EnvelopeHeaders.TraceState, traceState);
    }

    /// <summary>Adds a dead letter's failure (and its id) to the headers of the message it is about.</summary>
    /// <param name="letter">The dead letter.</param>
    /// <param name="headers">The transport's writer.</param>
    public static void WriteFailure(DeadLetter letter, IHeaderWriter headers)
    {
        ArgumentNullException.ThrowIfNull(letter);
        ArgumentNullException.ThrowIfNull(headers);
        headers.Set(EnvelopeHeaders.DeadLetterId, Text(letter.Id));
        headers.Set(EnvelopeHeaders.ErrorEndpoint, letter.Message.Endpoint);
        headers.Set(EnvelopeHeaders.ErrorReason, letter.Reason.ToString());
        headers.Set(EnvelopeHeaders.ErrorType, letter.ExceptionType);
        headers.Set(EnvelopeHeaders.ErrorMessage, letter.ExceptionMessage);
        // Headers share the broker's frame limit with the message's own: the trace travels cut to a few KB.
        headers.Set(EnvelopeHeaders.ErrorStack, letter.StackTrace.Length <= MaxHeaderTrace ? letter.StackTrace : letter.StackTrace[..MaxHeaderTrace]);
        headers.Set(EnvelopeHeaders.ErrorAttempts, Text(letter.Attempts));
        headers.Set(EnvelopeHeaders.FirstFailedAt, Text(letter.FirstFailedAt.ToUnixTimeMilliseconds()));
        headers.Set(EnvelopeHeaders.LastFailedAt, Text(letter.LastFailedAt.ToUnixTimeMilliseconds()));
    }

    /// <summary>The most of a dead letter's trace written into a header.</summary>
    public const int MaxHeaderTrace = 4 * 1024;

    /// <summary>Reads an envelope, or says why the message cannot be one (it then goes to dead letters unhandled).</summary>
    /// <param name="headers">The received headers.</param>
    /// <param name="body">The payload; the envelope keeps a copy, since a transport's buffer may not outlive the delivery.</param>
    /// <param name="catalog">The contracts this process knows.</param>
    /// <param name="maxPayloadBytes">The size limit.</param>
    /// <param name="envelope">The envelope, when readable.</param>
    /// <param name="reason">Why not, otherwise.</param>
    /// <param name="error">What is wrong, otherwise.</param>
    /// <returns>Whether the message is a readable envelope.</returns>
    public static bool TryRead(
        IHeaderReader headers, ReadOnlyMemory<byte> body, ContractCatalog catalog, int maxPayloadBytes,
        [NotNullWhen(true)] out Envelope? envelope, out DeadLetterReason reason, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(catalog);
        envelope = null;
        reason = DeadLetterReason.Unreadable;
        if (headers.Get(EnvelopeHeaders.Contract) is not { Length: > 0 } name)
        {
            error = "The message has no contract name; it was not sent by Contracts.";
            return false;
        }

        long version = Number(headers, EnvelopeHeaders.Version) ?? 1;
        if (version is < 1 or > int.MaxValue || !catalog.TryFind(name, (int)version, out ContractDescriptor? contract))
        {
            reason = DeadLetterReason.UnknownContract;
            error = $"Contract '{name}' version {version} is not in this process's catalog: no compiled contract has that name and version.";
            return false;
        }

        if (!Guid.TryParse(headers.Get(EnvelopeHeaders.MessageId), out Guid messageId))
        {
            error = $"The message id '{headers.Get(EnvelopeHeaders.MessageId)}' is not a GUID.";
            return false;
        }

        if (body.Length > maxPayloadBytes)
        {
            error = $"The payload is {body.Length} bytes, over the limit of {maxPayloadBytes} (ContractsOptions.MaxPayloadBytes).";
            return false;
        }

        // A header the envelope needs that is there but unreadable is not taken as absent: a deliver-by nobody can
        // read would otherwise be dropped, and the message kept past its time.
        string? malformed = Malformed(headers, EnvelopeHeaders.Attempt, 1, int.MaxValue) ?? Malformed(headers, EnvelopeHeaders.SentAt, MinUnixMs, MaxUnixMs) ??
            Malformed(headers, EnvelopeHeaders.DeliverAt, MinUnixMs, MaxUnixMs) ?? Malformed(headers, EnvelopeHeaders.DeliverBy, MinUnixMs, MaxUnixMs) ??
            Malformed(headers, EnvelopeHeaders.Priority, 0, 255);
        if (malformed is not null)
        {
            error = malformed;
            return false;
        }

        envelope = new Envelope(contract, messageId)
        {
            CorrelationId = Guid.TryParse(headers.Get(EnvelopeHeaders.CorrelationId), out Guid correlation) ? correlation : messageId,
            CausationId = Guid.TryParse(headers.Get(EnvelopeHeaders.CausationId), out Guid causation) ? causation : null,
            IdempotencyKey = headers.Get(EnvelopeHeaders.IdempotencyKey),
            Attempt = (int)Math.Clamp(Number(headers, EnvelopeHeaders.Attempt) ?? 1, 1, int.MaxValue),
            SentAt = Time(headers, EnvelopeHeaders.SentAt) ?? default,
            DeliverAt = Time(headers, EnvelopeHeaders.DeliverAt),
            DeliverBy = Time(headers, EnvelopeHeaders.DeliverBy),
            ReplyTo = headers.Get(EnvelopeHeaders.ReplyTo),
            Priority = (byte)Math.Clamp(Number(headers, EnvelopeHeaders.Priority) ?? 0, 0, 255),
            TraceParent = headers.Get(EnvelopeHeaders.TraceParent),
            TraceState = headers.Get(EnvelopeHeaders.TraceState),
            Headers = ApplicationHeaders(headers),
            Payload = body.ToArray(),
        };
        error = null;
        return true;
    }

    /// <summary>
    /// The message as a record, whatever it holds: for dead letters of messages that could not be read. Missing or
    /// malformed values are left empty.
    /// </summary>
    /// <param name="headers">The headers.</param>
    /// <param name="body">The payload (copied).</param>
    /// <returns>The record.</returns>
    public static MessageRecord ReadRecord(IHeaderReader headers, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        Guid.TryParse(headers.Get(EnvelopeHeaders.MessageId), out Guid messageId);
        return new MessageRecord
        {
            Endpoint = headers.Get(EnvelopeHeaders.ErrorEndpoint) ?? "",
            MessageId = messageId,
            ContractName = headers.Get(EnvelopeHeaders.Contract) ?? "",
            ContractVersion = (int)Math.Clamp(Number(headers, EnvelopeHeaders.Version) ?? 1, 1, int.MaxValue),
            CorrelationId = Guid.TryParse(headers.Get(EnvelopeHeaders.CorrelationId), out Guid correlation) ? correlation : messageId,
            CausationId = Guid.TryParse(headers.Get(EnvelopeHeaders.CausationId), out Guid causation) ? causation : null,
            IdempotencyKey = headers.Get(EnvelopeHeaders.IdempotencyKey),
            Attempt = (int)Math.Clamp(Number(headers, EnvelopeHeaders.Attempt) ?? 1, 1, int.MaxValue),
            SentAt = Time(headers, EnvelopeHeaders.SentAt) ?? default,
            TraceParent = headers.Get(EnvelopeHeaders.TraceParent),
            TraceState = headers.Get(EnvelopeHeaders.TraceState),
            Headers = ApplicationHeaders(headers),
            Payload = body.ToArray(),
        };
    }

    /// <summary>A dead letter read back from a message that carries <see cref="WriteFailure"/>'s headers.</summary>
    /// <param name="headers">The headers.</param>
    /// <param name="body">The payload (copied).</param>
    /// <returns>The dead letter (id 0 when the message carries none).</returns>
    public static DeadLetter ReadDeadLetter(IHeaderReader headers, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return new DeadLetter
        {
            Id = Number(headers, EnvelopeHeaders.DeadLetterId) ?? 0,
            Message = ReadRecord(headers, body),
            Reason = Enum.TryParse(headers.Get(EnvelopeHeaders.ErrorReason), out DeadLetterReason reason) ? reason : DeadLetterReason.Failed,
            ExceptionType = headers.Get(EnvelopeHeaders.ErrorType) ?? "",
            ExceptionMessage = headers.Get(EnvelopeHeaders.ErrorMessage) ?? "",
            StackTrace = headers.Get(EnvelopeHeaders.ErrorStack) ?? "",
            Attempts = (int)Math.Clamp(Number(headers, EnvelopeHeaders.ErrorAttempts) ?? 0, 0, int.MaxValue),
            FirstFailedAt = Time(headers, EnvelopeHeaders.FirstFailedAt) ?? default,
            LastFailedAt = Time(headers, EnvelopeHeaders.LastFailedAt) ?? default,
        };
    }

    /// <summary>A header read as a whole number, or <see langword="null"/> when absent or not a number.</summary>
    /// <param name="headers">The headers.</param>
    /// <param name="name">The header.</param>
    /// <returns>The number.</returns>
    public static long? Number(IHeaderReader headers, string name) =>
        long.TryParse(headers.Get(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : null;

    private const long MinUnixMs = -62135596800000;
    private const long MaxUnixMs = 253402300799999;

    /// <summary>A header read as a time in Unix milliseconds, or <see langword="null"/> when absent, not a number or out of range.</summary>
    /// <param name="headers">The headers.</param>
    /// <param name="name">The header.</param>
    /// <returns>The time.</returns>
    public static DateTimeOffset? Time(IHeaderReader headers, string name) =>
        Number(headers, name) is { } ms && ms is >= MinUnixMs and <= MaxUnixMs ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>Why header <paramref name="name"/>, when present, is not a whole number from <paramref name="min"/> to <paramref name="max"/>; null when it is fine or absent.</summary>
    private static string? Malformed(IHeaderReader headers, string name, long min, long max)
    {
        if (headers.Get(name) is not { } text)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= min && value <= max
            ? null
            : $"Header '{name}' is '{(text.Length <= 64 ? text : text[..64] + "…")}', not a whole number from {min} to {max}.";
    }

    private static Dictionary<string, string>? ApplicationHeaders(IHeaderReader headers)
    {
        Dictionary<string, string>? application = null;
        foreach (KeyValuePair<string, string> header in headers.All())
        {
            if (EnvelopeHeaders.IsApplicationHeader(header.Key))
            {
                (application ??= new Dictionary<string, string>(StringComparer.Ordinal))[header.Key] = header.Value;
            }
        }

        return application;
    }

    private static void SetIf(IHeaderWriter headers, string name, string? value)
    {
        if (value is not null)
        {
            headers.Set(name, value);
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
