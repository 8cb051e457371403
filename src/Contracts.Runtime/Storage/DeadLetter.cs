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

    /// <summary>
    /// The last exception with its stack trace and inner exceptions: without source paths and at most 8 KB, or whole
    /// (<see cref="Exception.ToString"/>) with <see cref="DeadLetterDetail.Full"/> (<see cref="ContractsOptions.DeadLetterDetail"/>).
    /// </summary>
    public string StackTrace { get; init; } = "";

    /// <summary>How many times the handler ran (0 for a message that could not be read or routed).</summary>
    public int Attempts { get; init; }

    /// <summary>When the first attempt failed.</summary>
    public DateTimeOffset FirstFailedAt { get; init; }

    /// <summary>When the last attempt failed.</summary>
    public DateTimeOffset LastFailedAt { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"dead letter {Id}: {Message} ({Reason}, {Attempts} attempts): {ExceptionType}: {ExceptionMessage}";

    /// <summary>The dead letter of <paramref name="message"/> that failed with <paramref name="error"/>, its trace kept as <paramref name="detail"/> says.</summary>
    internal static DeadLetter From(
        MessageRecord message, DeadLetterReason reason, Exception error, DeadLetterDetail detail, int attempts, DateTimeOffset firstFailedAt, DateTimeOffset lastFailedAt) => new()
    {
        Message = message,
        Reason = reason,
        ExceptionType = error.GetType().FullName ?? error.GetType().Name,
        ExceptionMessage = error.Message,
        StackTrace = detail == DeadLetterDetail.Full ? error.ToString() : Trace(error),
        Attempts = attempts,
        FirstFailedAt = firstFailedAt,
        LastFailedAt = lastFailedAt,
    };

    /// <summary>Why this letter cannot be replayed here: its endpoint has no handler in this process.</summary>
    internal InvalidOperationException EndpointNotHere() => new(
        $"Dead letter {Id} belongs to endpoint '{Message.Endpoint}', which does not exist in this process. Replay it where that endpoint's handler runs, or purge it.");

    /// <summary>Why this letter cannot be replayed here: its contract is not in this process's catalog.</summary>
    internal InvalidOperationException ContractNotKnown() => new(
        $"Dead letter {Id} is a '{Message.ContractName}' version {Message.ContractVersion}, which this process does not know. Deploy the contract first, or purge it.");

    /// <summary>The most of a failure's trace a dead letter keeps.</summary>
    internal const int MaxTraceLength = 8 * 1024;

    /// <summary>
    /// The failure with its frames, without the source paths of the machine that built the handler (a dead letter is
    /// read by operators and tools, not only by the people who own that machine), and at most <see cref="MaxTraceLength"/> characters.
    /// </summary>
    internal static string Trace(Exception error)
    {
        string full = error.ToString();
        var trace = new System.Text.StringBuilder(Math.Min(full.Length, MaxTraceLength + 32));
        foreach (string line in full.Split('\n'))
        {
            // A frame reads "   at Type.Method() in /path/File.cs:line 42": keep the frame, drop the location.
            int location = line.StartsWith("   at ", StringComparison.Ordinal) ? line.LastIndexOf(" in ", StringComparison.Ordinal) : -1;
            string kept = location > 0 && line.IndexOf(":line ", location, StringComparison.Ordinal) > 0 ? line[..location] : line.TrimEnd('\r');
            if (trace.Length + kept.Length + 1 > MaxTraceLength)
            {
                trace.Append("   ... (trace cut at ").Append(MaxTraceLength).Append(" characters)");
                break;
            }

            trace.Append(trace.Length == 0 ? "" : "\n").Append(kept);
        }

        return trace.ToString();
    }
}
