using System;

namespace Contracts.EventSourcing;

/// <summary>A read of, or an append to, a stream that was deleted (<see cref="IEventStore.DeleteStreamAsync(string, ExpectedVersion, System.Threading.CancellationToken)"/>).</summary>
public sealed class StreamDeletedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="streamId">The stream.</param>
    public StreamDeletedException(string streamId)
        : base($"Stream '{streamId}' was deleted: it cannot be read or appended to. Its events are still in the global log (ReadAllAsync).") =>
        StreamId = streamId;

    /// <summary>The stream.</summary>
    public string StreamId { get; }
}
