using System;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport.Redis;

internal sealed partial class RedisTransport
{
    internal static partial class Log
    {
        [LoggerMessage(200, LogLevel.Information, "Redis transport connected to {Configuration}: {Endpoints} endpoints consuming, prefix {Prefix}")]
        public static partial void Started(ILogger logger, string configuration, int endpoints, string prefix);

        [LoggerMessage(201, LogLevel.Warning, "Entry {EntryId} on endpoint {Endpoint} was not settled and is handed back to its stream")]
        public static partial void NotSettled(ILogger logger, Exception exception, string entryId, string endpoint);

        [LoggerMessage(202, LogLevel.Warning, "Entry {EntryId} on endpoint {Endpoint} could not be settled (connection lost); it stays pending and is taken over after the claim idle time")]
        public static partial void SettleLost(ILogger logger, Exception exception, string entryId, string endpoint);

        [LoggerMessage(203, LogLevel.Warning, "A query reply of {Bytes} bytes is not in the transport's reply format; dropped")]
        public static partial void BadReply(ILogger logger, int bytes);

        [LoggerMessage(204, LogLevel.Warning, "Sending message {MessageId} to {Stream} failed (connection lost); retrying")]
        public static partial void SendRetrying(ILogger logger, Exception exception, Guid messageId, string stream);

        [LoggerMessage(205, LogLevel.Information, "Message {MessageId} was sent after {Attempts} retries")]
        public static partial void SendRecovered(ILogger logger, Guid messageId, int attempts);

        [LoggerMessage(206, LogLevel.Warning, "Redis connection lost ({FailureType} to {EndPoint}); reconnecting")]
        public static partial void ConnectionLost(ILogger logger, Exception? exception, string failureType, string endPoint);

        [LoggerMessage(207, LogLevel.Information, "Redis connection to {EndPoint} restored; consumers resume")]
        public static partial void ConnectionRestored(ILogger logger, string endPoint);

        [LoggerMessage(208, LogLevel.Warning, "Reading endpoint {Endpoint} failed (connection lost); trying again")]
        public static partial void ReadFailed(ILogger logger, Exception exception, string endpoint);

        [LoggerMessage(209, LogLevel.Warning, "The consumer group of endpoint {Endpoint} is missing (its stream was deleted or the server lost it); creating it again")]
        public static partial void GroupMissing(ILogger logger, Exception exception, string endpoint);

        [LoggerMessage(210, LogLevel.Information, "Took over {Count} entries of endpoint {Endpoint} that a consumer left unacknowledged past the claim idle time")]
        public static partial void TookOver(ILogger logger, int count, string endpoint);

        [LoggerMessage(211, LogLevel.Debug, "Trimming stream {Stream} failed; trying again at the next interval")]
        public static partial void TrimFailed(ILogger logger, Exception exception, string stream);

        [LoggerMessage(212, LogLevel.Information, "Endpoint {Endpoint}: took partition {Partition} with {Count} entries its previous holder left unacknowledged")]
        public static partial void PartitionTaken(ILogger logger, string endpoint, int partition, int count);

        [LoggerMessage(213, LogLevel.Information, "Endpoint {Endpoint}: handed partition {Partition} over ({Live} processes share {Partitions} partitions)")]
        public static partial void PartitionReleased(ILogger logger, string endpoint, int partition, long live, int partitions);

        [LoggerMessage(214, LogLevel.Warning, "Endpoint {Endpoint}: the lease of partition {Partition} was lost (not renewed within PartitionLeaseTime: the process or its connection stalled); its entries not started here are left to its new holder")]
        public static partial void PartitionLost(ILogger logger, string endpoint, int partition);

        [LoggerMessage(215, LogLevel.Warning, "Endpoint {Endpoint}: renewing the partition leases failed; trying again")]
        public static partial void LeaseFailed(ILogger logger, Exception exception, string endpoint);
    }
}
