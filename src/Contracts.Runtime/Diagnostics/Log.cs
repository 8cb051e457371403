using System;
using Microsoft.Extensions.Logging;

namespace Contracts.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Contracts started: {Contracts} contracts, {Handlers} handlers on {Endpoints} endpoints (serialize in memory: {Serialize})")]
    public static partial void Started(ILogger logger, int contracts, int handlers, int endpoints, bool serialize);

    [LoggerMessage(2, LogLevel.Information, "Contracts stopping: draining {Pending} queued and in-flight messages (timeout {Timeout})")]
    public static partial void Stopping(ILogger logger, long pending, TimeSpan timeout);

    [LoggerMessage(3, LogLevel.Warning, "Contracts stopped before draining: {Pending} messages were not handled within {Timeout}; their handlers were cancelled")]
    public static partial void DrainTimedOut(ILogger logger, long pending, TimeSpan timeout);

    [LoggerMessage(4, LogLevel.Information, "Contracts stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(5, LogLevel.Error, "Handler {Handler} failed on {Contract} {MessageId} (attempt {Attempt}, endpoint {Endpoint})")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string handler, string contract, Guid messageId, int attempt, string endpoint);

    [LoggerMessage(6, LogLevel.Error, "Message {MessageId} on endpoint {Endpoint} cannot be read as {Contract}: {Reason}")]
    public static partial void Unreadable(ILogger logger, Exception exception, Guid messageId, string endpoint, string contract, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Endpoint {Endpoint} is full: dropped message {MessageId} ({Contract})")]
    public static partial void Dropped(ILogger logger, string endpoint, Guid messageId, string contract);

    [LoggerMessage(8, LogLevel.Warning, "{Count} delayed messages were not delivered before the in-memory transport stopped; use a durable store to keep them")]
    public static partial void DelayedLost(ILogger logger, long count);

    [LoggerMessage(9, LogLevel.Warning, "Contracts found no generated modules: no contracts or handlers are registered. Is the Contracts package (with its generator) referenced by the projects that declare them?")]
    public static partial void NoModules(ILogger logger);

    [LoggerMessage(10, LogLevel.Error, "Disposing the services of handler {Handler} for {Contract} {MessageId} (endpoint {Endpoint}) failed")]
    public static partial void ScopeDisposeFailed(ILogger logger, Exception exception, string handler, string contract, Guid messageId, string endpoint);

    [LoggerMessage(11, LogLevel.Warning, "Contracts stopped without waiting for every handler: handlers that ignore their cancellation token are still running ({Pending} messages)")]
    public static partial void HandlersAbandoned(ILogger logger, long pending);

    [LoggerMessage(12, LogLevel.Warning, "Message {MessageId} ({Contract}) on endpoint {Endpoint} was not handled: the bus stopped before it was its turn")]
    public static partial void NotHandled(ILogger logger, string endpoint, Guid messageId, string contract);

    [LoggerMessage(13, LogLevel.Warning, "Endpoint settings were given for '{Endpoint}', but no endpoint has that name: check the name (commands and queries: the contract name, with .vN from version 2; event subscriptions: contract/handler)")]
    public static partial void UnknownEndpoint(ILogger logger, string endpoint);

    [LoggerMessage(14, LogLevel.Warning, "Message {MessageId} ({Contract}) on endpoint {Endpoint} failed; attempt {Attempt} is scheduled in {Delay}")]
    public static partial void RetryScheduled(ILogger logger, Guid messageId, string contract, string endpoint, int attempt, TimeSpan delay);

    [LoggerMessage(15, LogLevel.Warning, "Message {MessageId} ({Contract}) on endpoint {Endpoint} moved to dead letters ({Reason}, {Attempts} attempts) as dead letter {DeadLetterId}")]
    public static partial void DeadLettered(ILogger logger, Guid messageId, string contract, string endpoint, Storage.DeadLetterReason reason, int attempts, long deadLetterId);

    [LoggerMessage(16, LogLevel.Information, "Message {MessageId} ({Contract}) on endpoint {Endpoint} was dropped as a duplicate: key {Key} is in the inbox")]
    public static partial void Duplicate(ILogger logger, Guid messageId, string contract, string endpoint, string key);

    [LoggerMessage(17, LogLevel.Information, "Recovered {Count} queued messages from the store")]
    public static partial void Recovered(ILogger logger, int count);

    [LoggerMessage(18, LogLevel.Error, "The message store failed while {Operation}")]
    public static partial void StoreFailed(ILogger logger, Exception exception, string operation);

    [LoggerMessage(19, LogLevel.Warning, "Message {MessageId} is committed but could not be queued on endpoint {Endpoint}; it is delivered after the next start")]
    public static partial void PersistedNotQueued(ILogger logger, Exception exception, Guid messageId, string endpoint);

    [LoggerMessage(20, LogLevel.Error, "Stored message {MessageId} names contract {Contract} version {Version}, which is not in the catalog (endpoint {Endpoint}); it goes to dead letters")]
    public static partial void UnknownContract(ILogger logger, Guid messageId, string contract, int version, string endpoint);

    [LoggerMessage(21, LogLevel.Warning, "Stored message {MessageId} waits on endpoint {Endpoint}, which does not exist in this process; it is left in the store")]
    public static partial void UnknownStoredEndpoint(ILogger logger, Guid messageId, string endpoint);

    [LoggerMessage(22, LogLevel.Information, "Removed {Count} inbox keys and relayed outbox records older than {Retention}")]
    public static partial void CleanedUp(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(23, LogLevel.Information, "Dead letter {DeadLetterId} (message {MessageId}) was replayed to endpoint {Endpoint}")]
    public static partial void Replayed(ILogger logger, long deadLetterId, Guid messageId, string endpoint);

    [LoggerMessage(24, LogLevel.Debug, "A reply to query {QueryId} arrived after its caller stopped waiting; it is dropped")]
    public static partial void LateReply(ILogger logger, Guid queryId);

    [LoggerMessage(25, LogLevel.Error, "Message {MessageId} on endpoint {Endpoint} cannot be read and goes to dead letters ({Reason}): {Error}")]
    public static partial void UnreadableReceived(ILogger logger, string messageId, string endpoint, Storage.DeadLetterReason reason, string error);

    [LoggerMessage(26, LogLevel.Warning, "Query {MessageId} ({Contract}) on endpoint {Endpoint} expired before it was handled: its caller stopped waiting")]
    public static partial void Expired(ILogger logger, Guid messageId, string contract, string endpoint);

    [LoggerMessage(27, LogLevel.Error, "Settling message {MessageId} ({Contract}) on endpoint {Endpoint} with the transport failed; it will be delivered again")]
    public static partial void SettleFailed(ILogger logger, Exception exception, Guid messageId, string contract, string endpoint);

    [LoggerMessage(28, LogLevel.Error, "Message {MessageId} ({Contract}) on endpoint {Endpoint} was delivered {Deliveries} times and no delivery finished (its handler takes the process down?); it goes to dead letters unhandled")]
    public static partial void CrashLoop(ILogger logger, Guid messageId, string contract, string endpoint, int deliveries);

    [LoggerMessage(29, LogLevel.Warning, "Message {MessageId} ({Contract}) on endpoint {Endpoint} had to be delivered by {DeliverBy} and arrived later; it is dropped unhandled")]
    public static partial void ExpiredDropped(ILogger logger, Guid messageId, string contract, string endpoint, DateTimeOffset deliverBy);

    [LoggerMessage(30, LogLevel.Warning, "Schedule {ScheduleId} skipped {Skipped} missed occurrences, by its policy {Policy}")]
    public static partial void ScheduleSkipped(ILogger logger, string scheduleId, int skipped, Scheduling.MissedFirings policy);

    [LoggerMessage(31, LogLevel.Error, "Schedule {ScheduleId} is not fired by this process: {Reason}")]
    public static partial void ScheduleNotFired(ILogger logger, string scheduleId, string reason);

    [LoggerMessage(32, LogLevel.Information, "Message {MessageId} ({Contract}) on endpoint {Endpoint}: attempt {Attempt} failed in the store, not in its handler (a deadlock, a serialization conflict, the connection lost), and runs again at once")]
    public static partial void RunAgain(ILogger logger, Exception exception, Guid messageId, string contract, string endpoint, int attempt);
}
