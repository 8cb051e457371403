using System;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport.RabbitMq;

internal sealed partial class RabbitMqTransport
{
    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "RabbitMQ transport connected to {Host}:{Port}: {Endpoints} endpoints consuming, exchange {Exchange}")]
        public static partial void Started(ILogger logger, string host, int port, int endpoints, string exchange);

        [LoggerMessage(103, LogLevel.Warning, "Message {MessageId} on endpoint {Endpoint} was not settled and will be delivered again")]
        public static partial void NotSettled(ILogger logger, Exception exception, string? messageId, string endpoint);

        [LoggerMessage(104, LogLevel.Warning, "Delivery {DeliveryTag} on endpoint {Endpoint} could not be acknowledged (the channel closed); the broker delivers it again")]
        public static partial void SettleLost(ILogger logger, Exception exception, ulong deliveryTag, string endpoint);

        [LoggerMessage(105, LogLevel.Warning, "A reply with correlation id '{CorrelationId}' is not a query's reply; dropped")]
        public static partial void BadReply(ILogger logger, string? correlationId);

        [LoggerMessage(106, LogLevel.Warning, "Publishing message {MessageId} to {RoutingKey} failed (connection lost); retrying with the same message id")]
        public static partial void PublishRetrying(ILogger logger, Exception exception, string? messageId, string routingKey);

        [LoggerMessage(107, LogLevel.Information, "Message {MessageId} was published after {Attempts} retries")]
        public static partial void PublishRecovered(ILogger logger, string? messageId, int attempts);

        [LoggerMessage(108, LogLevel.Debug, "Closing {What} failed")]
        public static partial void StopFailed(ILogger logger, Exception exception, string what);

        [LoggerMessage(109, LogLevel.Warning, "RabbitMQ connection lost ({ReplyCode} {ReplyText}); recovering")]
        public static partial void ConnectionLost(ILogger logger, ushort replyCode, string replyText);

        [LoggerMessage(110, LogLevel.Information, "RabbitMQ connection recovered; consumers resume")]
        public static partial void ConnectionRecovered(ILogger logger);

        [LoggerMessage(111, LogLevel.Warning, "RabbitMQ publishing is stalled: {Outstanding} publishes have waited {Stalled} with no publisher confirm on publishing connection {Generation}; replacing it")]
        public static partial void PublishingStalled(ILogger logger, long outstanding, TimeSpan stalled, int generation);

        [LoggerMessage(112, LogLevel.Warning, "The broker closed the publishing channel ({ReplyCode} {ReplyText}); replacing the publishing connection")]
        public static partial void PublishChannelClosed(ILogger logger, ushort replyCode, string replyText);

        [LoggerMessage(113, LogLevel.Warning, "Opening a new publishing connection failed; trying again in a second")]
        public static partial void RelinkFailed(ILogger logger, Exception exception);

        [LoggerMessage(114, LogLevel.Information, "Publishing connection {Generation} open; waiting publishes go on through it with their message ids")]
        public static partial void Relinked(ILogger logger, int generation);
    }
}
