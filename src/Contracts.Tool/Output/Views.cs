using System;
using System.Collections.Generic;

// The shapes --json prints: records of plain values, written by the source-generated ToolJsonContext. Documented in docs/tool.md.
namespace Contracts.Tool.Output;

/// <summary>One dead letter; <see cref="StackTrace"/>, <see cref="Headers"/> and <see cref="Payload"/> only in <c>show</c>.</summary>
internal sealed record DeadLetterView(
    long Id,
    string Endpoint,
    string Contract,
    int Version,
    Guid MessageId,
    Guid CorrelationId,
    Guid? CausationId,
    string? IdempotencyKey,
    string Reason,
    int Attempts,
    DateTimeOffset SentAt,
    DateTimeOffset FirstFailedAt,
    DateTimeOffset LastFailedAt,
    string ExceptionType,
    string ExceptionMessage,
    int PayloadBytes)
{
    public string? TraceParent { get; init; }

    public string? StackTrace { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The payload bytes (MessagePack), base64 in JSON.</summary>
    public byte[]? Payload { get; init; }
}

/// <summary>What <c>dead-letters list</c> prints.</summary>
internal sealed record DeadLetterListView(string Source, int Count, IReadOnlyList<DeadLetterView> DeadLetters);

/// <summary>What <c>dead-letters replay</c> prints.</summary>
internal sealed record ReplayView(string Source, long Id, string Endpoint, string Contract, Guid MessageId);

/// <summary>What <c>dead-letters purge</c> prints.</summary>
internal sealed record PurgeView(string Source, int Purged, DateTimeOffset? Before);

/// <summary>What <c>catalog</c> prints.</summary>
internal sealed record CatalogView(string Assembly, string Path, IReadOnlyList<ContractView> Contracts, IReadOnlyList<HandlerView> Handlers);

/// <summary>One contract of the catalog, with the assembly that declares it.</summary>
internal sealed record ContractView(
    string Name,
    int Version,
    string Kind,
    string Type,
    string? Result,
    IReadOnlyList<string> IdempotencyKey,
    IReadOnlyList<MemberView> Members,
    string Assembly);

/// <summary>One member of a contract, at its wire index.</summary>
internal sealed record MemberView(int Index, string Name, string Type, string Wire, bool Key);

/// <summary>One handled message: the handler, the kind, the contract it handles and the handler's assembly.</summary>
internal sealed record HandlerView(string Handler, string Kind, string Message, string? Contract, int? Version, string Assembly);

/// <summary>An error, with --json: printed to standard error.</summary>
internal sealed record ErrorView(string Error, int ExitCode);
