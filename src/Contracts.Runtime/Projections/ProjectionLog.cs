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

    [LoggerMessage(554, LogLevel.Information, "Projection {Projection} took its lease (fencing token {Token}, taken over from a live holder: {TakenOver}): this process runs it")]
    public static partial void LeaseTaken(ILogger logger, string projection, long token, bool takenOver);

    [LoggerMessage(555, LogLevel.Information, "Projection {Projection} runs in another process, which holds its lease; this process takes over if that one stops or dies")]
    public static partial void LeaseWaiting(ILogger logger, string projection);

    [LoggerMessage(556, LogLevel.Warning, "Projection {Projection} lost its lease (fencing token {Token}) to another process; it stops here and runs where the lease is held")]
    public static partial void LeaseLost(ILogger logger, string projection, long token);

    [LoggerMessage(557, LogLevel.Warning, "Projection {Projection} could not {Action} its lease")]
    public static partial void LeaseFailed(ILogger logger, Exception exception, string projection, string action);
}
