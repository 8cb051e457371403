using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Contracts.Storage;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// How an envelope travels as an AMQP message: the contract's wire name in <c>type</c>, the ids in <c>message_id</c>
/// and <c>correlation_id</c>, the rest in <c>contracts-*</c> headers, application headers under their own names
/// and the payload as the body. No CLR type name ever travels.
/// </summary>
internal static class AmqpEnvelope
{
    public const string ContentType = "application/vnd.contracts+msgpack";
    public const string Version = "contracts-version";
    public const string Causation = "contracts-causation-id";
    public const string IdempotencyKey = "contracts-idempotency-key";
    public const string Attempt = "contracts-attempt";
    public const string SentAt = "contracts-sent-at";
    public const string DeliverAt = "contracts-deliver-at";
    public const string DeliverBy = "contracts-deliver-by";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
    public const string ErrorType = "contracts-error-type";
    public const string ErrorMessage = "contracts-error-message";
    public const string ErrorStack = "contracts-error-stack";
    public const string ErrorReason = "contracts-error-reason";
    public const string ErrorAttempts = "contracts-error-attempts";
    public const string ErrorEndpoint = "contracts-error-endpoint";
    public const string FirstFailedAt = "contracts-error-first-failed-at";
    public const string LastFailedAt = "contracts-error-last-failed-at";

    /// <summary>The persistent message for <paramref name="envelope"/>.</summary>
    public static BasicProperties Properties(Envelope envelope)
    {
        var headers = new Dictionary<string, object?>(8 + (envelope.Headers?.Count ?? 0), StringComparer.Ordinal);
        if (envelope.Headers is { } application)
        {
            foreach (KeyValuePair<string, string> header in application)
            {
                headers[header.Key] = header.Value;
            }
        }

        headers[Version] = envelope.Contract.Version;
        headers[Attempt] = envelope.Attempt;
        headers[SentAt] = envelope.SentAt.ToUnixTimeMilliseconds();
        if (envelope.CausationId is { } causation)
        {
            headers[Causation] = causation.ToString();
        }

        if (envelope.IdempotencyKey is { } key)
        {
            headers[IdempotencyKey] = key;
        }

        if (envelope.DeliverAt is { } due)
        {
            headers[DeliverAt] = due.ToUnixTimeMilliseconds();
        }

        if (envelope.DeliverBy is { } by)
        {
            headers[DeliverBy] = by.ToUnixTimeMilliseconds();
        }

        if (envelope.TraceParent is { } parent)
        {
            headers[TraceParent] = parent;
        }

        if (envelope.TraceState is { } state)
        {
            headers[TraceState] = state;
        }

        var properties = new BasicProperties
        {
            MessageId = envelope.MessageId.ToString(),
            CorrelationId = envelope.CorrelationId.ToString(),
            Type = envelope.Contract.Name,
            ContentType = ContentType,
            Persistent = true,
            Timestamp = new AmqpTimestamp(envelope.SentAt.ToUnixTimeSeconds()),
            Headers = headers,
        };
        if (envelope.Priority > 0)
        {
            properties.Priority = envelope.Priority;
        }

        if (envelope.ReplyTo is { } replyTo)
        {
            properties.ReplyTo = replyTo;
        }

        return properties;
    }

    /// <summary>The dead letter of <paramref name="letter"/>: the message as it was, with the failure in headers.</summary>
    public static BasicProperties DeadLetter(DeadLetter letter, ContractCatalog catalog)
    {
        MessageRecord message = letter.Message;
        BasicProperties properties;
        if (catalog.TryFind(message.ContractName, message.ContractVersion, out ContractDescriptor? contract))
        {
            properties = Properties(message.ToEnvelope(contract));
        }
        else
        {
            properties = new BasicProperties
            {
                MessageId = message.MessageId.ToString(),
                CorrelationId = message.CorrelationId.ToString(),
                Type = message.ContractName,
                ContentType = ContentType,
                Persistent = true,
                Headers = new Dictionary<string, object?>(StringComparer.Ordinal) { [Version] = message.ContractVersion },
            };
        }

        AddFailure(properties.Headers!, message.Endpoint, letter.Reason, letter.ExceptionType, letter.ExceptionMessage, letter.StackTrace, letter.Attempts, letter.FirstFailedAt, letter.LastFailedAt);
        return properties;
    }

    /// <summary>A copy of a received message's properties with the failure added: for messages that could not even be read.</summary>
    public static BasicProperties Unreadable(IReadOnlyBasicProperties received, string endpoint, DeadLetterReason reason, string error, DateTimeOffset now)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (received.Headers is { } original)
        {
            foreach (KeyValuePair<string, object?> header in original)
            {
                headers[header.Key] = header.Value;
            }
        }

        AddFailure(headers, endpoint, reason, typeof(Pipeline.UnreadableMessageException).FullName!, error, "", 0, now, now);
        var properties = new BasicProperties(received) { Persistent = true, Headers = headers };
        return properties;
    }

    private static void AddFailure(
        IDictionary<string, object?> headers, string endpoint, DeadLetterReason reason, string type, string message, string stack, int attempts, DateTimeOffset first, DateTimeOffset last)
    {
        headers[ErrorEndpoint] = endpoint;
        headers[ErrorReason] = reason.ToString();
        headers[ErrorType] = type;
        headers[ErrorMessage] = message;
        headers[ErrorStack] = stack;
        headers[ErrorAttempts] = attempts;
        headers[FirstFailedAt] = first.ToUnixTimeMilliseconds();
        headers[LastFailedAt] = last.ToUnixTimeMilliseconds();
    }

    /// <summary>Reads an envelope, or says why the message cannot be one (and so goes to dead letters unhandled).</summary>
    public static bool TryRead(
        IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, ContractCatalog catalog, int maxPayloadBytes,
        out Envelope? envelope, out DeadLetterReason reason, out string? error)
    {
        envelope = null;
        reason = DeadLetterReason.Unreadable;
        IDictionary<string, object?>? headers = properties.Headers;
        if (properties.Type is not { Length: > 0 } name)
        {
            error = "The message has no contract name (AMQP 'type' property); it was not sent by Contracts.";
            return false;
        }

        long version = Number(headers, Version) ?? 1;
        if (version is < 1 or > int.MaxValue || !catalog.TryFind(name, (int)version, out ContractDescriptor? contract))
        {
            reason = DeadLetterReason.UnknownContract;
            error = $"Contract '{name}' version {version} is not in this process's catalog: no compiled contract has that name and version.";
            return false;
        }

        if (!Guid.TryParse(properties.MessageId, out Guid messageId))
        {
            error = $"The message id '{properties.MessageId}' is not a GUID.";
            return false;
        }

        if (body.Length > maxPayloadBytes)
        {
            error = $"The payload is {body.Length} bytes, over the limit of {maxPayloadBytes} (ContractsOptions.MaxPayloadBytes).";
            return false;
        }

        var read = new Envelope(contract, messageId)
        {
            CorrelationId = Guid.TryParse(properties.CorrelationId, out Guid correlation) ? correlation : messageId,
            CausationId = Guid.TryParse(Text(headers, Causation), out Guid causation) ? causation : null,
            IdempotencyKey = Text(headers, IdempotencyKey),
            Attempt = (int)Math.Clamp(Number(headers, Attempt) ?? 1, 1, int.MaxValue),
            SentAt = Time(headers, SentAt) ?? DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime),
            DeliverAt = Time(headers, DeliverAt),
            DeliverBy = Time(headers, DeliverBy),
            ReplyTo = properties.ReplyTo,
            Priority = properties.Priority,
            TraceParent = Text(headers, TraceParent),
            TraceState = Text(headers, TraceState),
            Headers = ApplicationHeaders(headers),

            // The broker's buffer is valid only while the delivery is being handled; the envelope may outlive it.
            Payload = body.ToArray(),
        };
        envelope = read;
        error = null;
        return true;
    }

    private static Dictionary<string, string>? ApplicationHeaders(IDictionary<string, object?>? headers)
    {
        if (headers is null)
        {
            return null;
        }

        Dictionary<string, string>? application = null;
        foreach (KeyValuePair<string, object?> header in headers)
        {
            if (header.Key.StartsWith("contracts-", StringComparison.Ordinal) || header.Key.StartsWith("x-", StringComparison.Ordinal) ||
                header.Key is TraceParent or TraceState || AsText(header.Value) is not { } value)
            {
                continue;
            }

            (application ??= new Dictionary<string, string>(StringComparer.Ordinal))[header.Key] = value;
        }

        return application;
    }

    public static string? Text(IDictionary<string, object?>? headers, string key) =>
        headers is not null && headers.TryGetValue(key, out object? value) ? AsText(value) : null;

    private static string? AsText(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };

    public static long? Number(IDictionary<string, object?>? headers, string key)
    {
        if (headers is null || !headers.TryGetValue(key, out object? value))
        {
            return null;
        }

        return value switch
        {
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            uint u => u,
            byte[] bytes when long.TryParse(Encoding.UTF8.GetString(bytes), NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) => parsed,
            _ => null,
        };
    }

    private static DateTimeOffset? Time(IDictionary<string, object?>? headers, string key) =>
        Number(headers, key) is { } ms && ms is >= -62135596800000 and <= 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
