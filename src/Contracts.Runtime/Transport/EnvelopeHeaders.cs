using System;
using System.ComponentModel;

namespace Contracts.Transport;

/// <summary>
/// The names under which an envelope travels, for every transport: <see cref="EnvelopeCodec"/> writes and reads
/// them, and a transport only maps them onto its native message (some to native properties). Only contract names
/// from the compiled catalog travel, never CLR type names.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class EnvelopeHeaders
{
    /// <summary>The prefix of every name the envelope owns; other headers are the application's.</summary>
    public const string Prefix = "contracts-";

    /// <summary>The content type of every payload.</summary>
    public const string ContentType = "application/vnd.contracts+msgpack";

    /// <summary>The message id (a GUID).</summary>
    public const string MessageId = "contracts-message-id";

    /// <summary>The contract's wire name.</summary>
    public const string Contract = "contracts-contract";

    /// <summary>The contract's version.</summary>
    public const string Version = "contracts-version";

    /// <summary>The conversation id (a GUID).</summary>
    public const string CorrelationId = "contracts-correlation-id";

    /// <summary>The id of the message whose handler sent this one.</summary>
    public const string CausationId = "contracts-causation-id";

    /// <summary>The generated idempotency key.</summary>
    public const string IdempotencyKey = "contracts-idempotency-key";

    /// <summary>The delivery attempt, from 1.</summary>
    public const string Attempt = "contracts-attempt";

    /// <summary>When the producer sent it, in Unix milliseconds.</summary>
    public const string SentAt = "contracts-sent-at";

    /// <summary>The earliest delivery time, in Unix milliseconds.</summary>
    public const string DeliverAt = "contracts-deliver-at";

    /// <summary>For a query: when its caller stops waiting, in Unix milliseconds.</summary>
    public const string DeliverBy = "contracts-deliver-by";

    /// <summary>Where a query's reply goes.</summary>
    public const string ReplyTo = "contracts-reply-to";

    /// <summary>The message priority (0-255).</summary>
    public const string Priority = "contracts-priority";

    /// <summary>The W3C trace parent.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The W3C trace state.</summary>
    public const string TraceState = "tracestate";

    /// <summary>A dead letter's id in its queue.</summary>
    public const string DeadLetterId = "contracts-dead-letter-id";

    /// <summary>The endpoint a dead letter failed on.</summary>
    public const string ErrorEndpoint = "contracts-error-endpoint";

    /// <summary>Why it is a dead letter (<see cref="Storage.DeadLetterReason"/>).</summary>
    public const string ErrorReason = "contracts-error-reason";

    /// <summary>The full name of the failure's exception type (also on a failed query's reply).</summary>
    public const string ErrorType = "contracts-error-type";

    /// <summary>The failure's message (also on a failed query's reply).</summary>
    public const string ErrorMessage = "contracts-error-message";

    /// <summary>The failure with its stack trace.</summary>
    public const string ErrorStack = "contracts-error-stack";

    /// <summary>How many times the handler ran.</summary>
    public const string ErrorAttempts = "contracts-error-attempts";

    /// <summary>When the first attempt failed, in Unix milliseconds.</summary>
    public const string FirstFailedAt = "contracts-error-first-failed-at";

    /// <summary>When the last attempt failed, in Unix milliseconds.</summary>
    public const string LastFailedAt = "contracts-error-last-failed-at";

    /// <summary>Whether <paramref name="name"/> is an application header rather than one the envelope or the transport owns.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>False for <c>contracts-*</c>, <c>x-*</c> (broker-owned) and the trace headers.</returns>
    public static bool IsApplicationHeader(string name) =>
        !name.StartsWith(Prefix, StringComparison.Ordinal) && !name.StartsWith("x-", StringComparison.Ordinal) && name is not (TraceParent or TraceState);
}
