using System;

namespace Contracts.Storage;

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
