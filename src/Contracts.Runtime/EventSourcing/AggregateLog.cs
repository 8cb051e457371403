using System;
using Microsoft.Extensions.Logging;

namespace Contracts.EventSourcing;

internal static partial class AggregateLog
{
    [LoggerMessage(400, LogLevel.Warning, "The snapshot of {Stream} at version {Version} could not be saved; loads read more events until the next one is taken")]
    public static partial void SnapshotNotSaved(ILogger logger, string stream, long version, Exception exception);

    [LoggerMessage(401, LogLevel.Warning, "The snapshot of {Stream} at version {Version} could not be read as {Aggregate}'s state; the stream is replayed from its start")]
    public static partial void SnapshotUnreadable(ILogger logger, string stream, long version, string aggregate, Exception exception);

    [LoggerMessage(402, LogLevel.Debug, "The snapshot of {Stream} at version {Version} was taken of another state shape ({Stored}, now {Current}); the stream is replayed from its start")]
    public static partial void SnapshotOfAnotherShape(ILogger logger, string stream, long version, string stored, string current);
}
