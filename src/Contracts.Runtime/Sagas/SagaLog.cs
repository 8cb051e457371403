using Microsoft.Extensions.Logging;

namespace Contracts.Sagas;

internal static partial class SagaLog
{
    [LoggerMessage(300, LogLevel.Information, "Saga {Saga} has no instance '{SagaId}' for {Contract} {MessageId}, which does not start it: no step ran")]
    public static partial void NotFound(ILogger logger, string saga, string sagaId, string contract, System.Guid messageId);

    [LoggerMessage(301, LogLevel.Debug, "Saga {Saga} instance '{SagaId}' has ended ({Status}): {Contract} {MessageId} ran no step")]
    public static partial void Ended(ILogger logger, string saga, string sagaId, SagaStatus status, string contract, System.Guid messageId);

    [LoggerMessage(302, LogLevel.Debug, "Saga {Saga} instance '{SagaId}': another step saved first, {Contract} {MessageId} runs again (conflict {Conflict})")]
    public static partial void Conflict(ILogger logger, string saga, string sagaId, string contract, System.Guid messageId, int conflict);

    [LoggerMessage(303, LogLevel.Information, "Saga {Saga} instance '{SagaId}' ended {Status} after {Contract} {MessageId}")]
    public static partial void Finished(ILogger logger, string saga, string sagaId, SagaStatus status, string contract, System.Guid messageId);

    [LoggerMessage(304, LogLevel.Debug, "Timeout {Contract} {MessageId} on endpoint {Endpoint} was cancelled (its saga ended): dropped")]
    public static partial void TimeoutCancelled(ILogger logger, string contract, System.Guid messageId, string endpoint);

    [LoggerMessage(305, LogLevel.Debug, "Saga {Saga} instance '{SagaId}' ended with {Count} timeouts pending: cancelled ({Deleted} stored rows deleted)")]
    public static partial void TimeoutsCancelled(ILogger logger, string saga, string sagaId, int count, int deleted);
}
