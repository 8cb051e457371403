using System;
using Microsoft.Extensions.Logging;

namespace Contracts.Projections;

internal static partial class ProjectionLog
{
    [LoggerMessage(550, LogLevel.Information, "Projection {Projection} started from position {Checkpoint} ({Workers} worker(s))")]
    public static partial void Started(ILogger logger, string projection, long checkpoint, int workers);

    [LoggerMessage(551, LogLevel.Error, "Projection {Projection} failed after position {Checkpoint}; it is tried again in {Delay}")]
    public static partial void Failed(ILogger logger, Exception exception, string projection, long checkpoint, TimeSpan delay);

    [LoggerMessage(552, LogLevel.Information, "Projection {Projection} is being rebuilt from position 1 up to {Head}")]
    public static partial void Rebuilding(ILogger logger, string projection, long head);

    [LoggerMessage(553, LogLevel.Information, "Projection {Projection} rebuilt up to position {Count}")]
    public static partial void Rebuilt(ILogger logger, string projection, long count);
}
