using System;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport.Nats;

internal sealed partial class NatsTransport
{
    internal static partial class Log
    {
        [LoggerMessage(200, LogLevel.Information, "NATS transport connected to {Url}: {Endpoints} endpoints consuming, prefix {Prefix}")]
        public static partial void Started(ILogger logger, string url, int endpoints, string prefix);

        [LoggerMessage(201, LogLevel.Warning, "Message {MessageId} on endpoint {Endpoint} was not settled and will be delivered again")]
        public static partial void NotSettled(ILogger logger, Exception exception, string? messageId, string endpoint);

        [LoggerMessage(202, LogLevel.Warning, "Message {MessageId} on endpoint {Endpoint} could not be settled (the connection is down); the server delivers it again after AckWait")]
        public static partial void SettleLost(ILogger logger, Exception exception, string? messageId, string endpoint);

        [LoggerMessage(203, LogLevel.Warning, "A reply with query id '{QueryId}' is not a query's reply; dropped")]
        public static partial void BadReply(ILogger logger, string? queryId);

        [LoggerMessage(204, LogLevel.Warning, "Publishing message {MessageId} to {Subject} failed (no acknowledgement); retrying with the same message id")]
        public static partial void PublishRetrying(ILogger logger, Exception exception, string messageId, string subject);

        [LoggerMessage(205, LogLevel.Information, "Message {MessageId} was published after {Attempts} retries")]
        public static partial void PublishRecovered(ILogger logger, string messageId, int attempts);

        [LoggerMessage(206, LogLevel.Debug, "Closing {What} failed")]
        public static partial void StopFailed(ILogger logger, Exception exception, string what);

        [LoggerMessage(207, LogLevel.Warning, "NATS connection to {Url} lost ({Reason}); reconnecting")]
        public static partial void ConnectionLost(ILogger logger, string url, string reason);

        [LoggerMessage(208, LogLevel.Information, "NATS connection to {Url} open; consumers resume")]
        public static partial void ConnectionRecovered(ILogger logger, string url);

        [LoggerMessage(209, LogLevel.Warning, "Consuming endpoint {Endpoint} failed; pulling again in a second")]
        public static partial void ConsumeFailed(ILogger logger, Exception exception, string endpoint);

        [LoggerMessage(210, LogLevel.Debug, "Creating consumer {Consumer} on stream {Stream} raced another process ({Reason}); looking again")]
        public static partial void ConsumerRace(ILogger logger, string consumer, string stream, string reason);

        [LoggerMessage(211, LogLevel.Information, "Endpoint {Endpoint}: took partition {Partition} over, {Pending} messages waiting on it")]
        public static partial void PartitionTaken(ILogger logger, string endpoint, int partition, long pending);

        [LoggerMessage(212, LogLevel.Warning, "Endpoint {Endpoint}: the lease of partition {Partition} was lost (another process holds it now); its messages not started here are left to it")]
        public static partial void PartitionLost(ILogger logger, string endpoint, int partition);

        [LoggerMessage(213, LogLevel.Information, "Endpoint {Endpoint}: gave partition {Partition} back ({Live} processes share {Partitions} partitions)")]
        public static partial void PartitionReleased(ILogger logger, string endpoint, int partition, int live, int partitions);

        [LoggerMessage(214, LogLevel.Warning, "Endpoint {Endpoint}: renewing the partition leases failed; trying again")]
        public static partial void LeaseFailed(ILogger logger, Exception exception, string endpoint);

        [LoggerMessage(215, LogLevel.Information, "Endpoint {Endpoint}: the connection is back; taking partition {Partition} over again once its messages held here are settled")]
        public static partial void PartitionRetaken(ILogger logger, string endpoint, int partition);

        [LoggerMessage(217, LogLevel.Warning, "Endpoint {Endpoint}: the lease of partition {Partition} was not renewed in time; nothing of it starts or is acknowledged here until a renewal says it is still this process's")]
        public static partial void PartitionInDoubt(ILogger logger, string endpoint, int partition);

        [LoggerMessage(218, LogLevel.Information, "Endpoint {Endpoint}: the lease of partition {Partition} was renewed after all; taking it over again")]
        public static partial void PartitionResumed(ILogger logger, string endpoint, int partition);

        [LoggerMessage(219, LogLevel.Warning, "Message {MessageId} on endpoint {Endpoint} was handled, but the lease of its partition is not surely this process's any more: left unacknowledged for the partition's next holder (which handles it again)")]
        public static partial void NotAcknowledged(ILogger logger, string? messageId, string endpoint);

        [LoggerMessage(220, LogLevel.Warning, "The server did not answer a ping on the consuming connection within 2 s; acknowledgements may not have been read yet")]
        public static partial void FlushFailed(ILogger logger, Exception exception);

        [LoggerMessage(216, LogLevel.Debug, "Endpoint {Endpoint}: lease round of {Milliseconds} ms; {Live} processes, share {Share}, holding {Holding}")]
        public static partial void LeaseRound(ILogger logger, string endpoint, long milliseconds, int live, int share, int holding);
    }
}
