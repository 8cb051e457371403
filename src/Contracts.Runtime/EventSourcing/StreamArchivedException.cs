using System;

namespace Contracts.EventSourcing;

/// <summary>An append to a stream that was archived (<see cref="IEventStore.ArchiveStreamAsync(string, ExpectedVersion, System.Threading.CancellationToken)"/>): it is read-only.</summary>
public sealed class StreamArchivedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="streamId">The stream.</param>
    public StreamArchivedException(string streamId)
        : base($"Stream '{streamId}' was archived: it takes no more events. Its events can still be read (ReadStreamAsync, and aggregates load from them).") =>
        StreamId = streamId;

    /// <summary>The stream.</summary>
    public string StreamId { get; }
}
