using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Contracts.Transport.RabbitMq;

/// <summary>Query replies: sent straight to the caller's reply queue, and received on this process's own.</summary>
internal sealed partial class RabbitMqTransport
{
    /// <summary>Declares this process's exclusive reply queue and consumes it.</summary>
    private async Task ConsumeRepliesAsync(IConnection connection, CancellationToken cancellationToken)
    {
        _replies = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await _replies.QueueDeclareAsync(ReplyAddress, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        var replyConsumer = new AsyncEventingBasicConsumer(_replies);
        replyConsumer.ReceivedAsync += OnReplyAsync;
        await _replies.BasicConsumeAsync(ReplyAddress, autoAck: true, replyConsumer, cancellationToken).ConfigureAwait(false);
    }

    private Task OnReplyAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (!Guid.TryParse(delivery.BasicProperties.CorrelationId, out Guid queryId))
        {
            Log.BadReply(_logger, delivery.BasicProperties.CorrelationId);
            return Task.CompletedTask;
        }

        AmqpHeaders read = AmqpHeaders.Of(delivery.BasicProperties);
        QueryResponse reply = read.Get(EnvelopeHeaders.ErrorType) is { } errorType
            ? QueryResponse.Failure(errorType, read.Get(EnvelopeHeaders.ErrorMessage) ?? "")
            : QueryResponse.Success(delivery.Body.ToArray());
        _context!.Receiver.ReceiveReply(queryId, reply);
        return Task.CompletedTask;
    }

    public ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken)
    {
        if (query.ReplyTo is not { Length: > 0 } replyTo)
        {
            return ValueTask.CompletedTask;
        }

        var properties = new BasicProperties
        {
            CorrelationId = query.MessageId.ToString(),
            Type = query.Contract.Name,
            ContentType = EnvelopeHeaders.ContentType,
        };
        if (reply.IsFailure)
        {
            properties.Headers = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [EnvelopeHeaders.ErrorType] = reply.ErrorType,
                [EnvelopeHeaders.ErrorMessage] = reply.ErrorMessage,
            };
        }

        // Not mandatory: a caller that gave up and stopped has no reply queue any more, and nothing is lost.
        return PublishAsync("", replyTo, mandatory: false, properties, reply.Result, cancellationToken);
    }
}
