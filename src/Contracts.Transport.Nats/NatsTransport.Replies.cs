using System;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;

namespace Contracts.Transport.Nats;

/// <summary>Query replies: core NATS messages straight to the caller's reply subject, received on this process's own.</summary>
internal sealed partial class NatsTransport
{
    /// <summary>The header of a reply that names the query it answers (its message id).</summary>
    internal const string QueryIdHeader = "contracts-query-id";

    /// <summary>Subscribes this process's reply subject; returns once the server has the subscription.</summary>
    private async Task ConsumeRepliesAsync(CancellationToken cancellationToken)
    {
        INatsSub<NatsMemoryOwner<byte>> replies = await Connection.SubscribeCoreAsync(ReplyAddress, serializer: s_pooled, cancellationToken: cancellationToken).ConfigureAwait(false);
        _replyLoop = Task.Run(() => ReadRepliesAsync(replies), CancellationToken.None);
    }

    private async Task ReadRepliesAsync(INatsSub<NatsMemoryOwner<byte>> replies)
    {
        await using (replies.ConfigureAwait(false))
        {
            try
            {
                await foreach (NatsMsg<NatsMemoryOwner<byte>> msg in replies.Msgs.ReadAllAsync(_disposed.Token).ConfigureAwait(false))
                {
                    using NatsMemoryOwner<byte> data = msg.Data;
                    var headers = new NatsHeaderAdapter(msg.Headers ?? []);
                    if (!Guid.TryParse(headers.Get(QueryIdHeader), out Guid queryId))
                    {
                        Log.BadReply(_logger, headers.Get(QueryIdHeader));
                        continue;
                    }

                    QueryResponse reply = headers.Get(EnvelopeHeaders.ErrorType) is { } errorType
                        ? QueryResponse.Failure(errorType, headers.Get(EnvelopeHeaders.ErrorMessage) ?? "")
                        : QueryResponse.Success(data.Memory.ToArray());
                    _context!.Receiver.ReceiveReply(queryId, reply);
                }
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
            {
                // Disposed: no query waits any more.
            }
        }
    }

    public ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken)
    {
        if (query.ReplyTo is not { Length: > 0 } replyTo)
        {
            return ValueTask.CompletedTask;
        }

        var headers = new NatsHeaders
        {
            [QueryIdHeader] = query.MessageId.ToString(),
            [EnvelopeHeaders.Contract] = query.Contract.Name,
        };
        if (reply.IsFailure)
        {
            headers[EnvelopeHeaders.ErrorType] = reply.ErrorType;
            headers[EnvelopeHeaders.ErrorMessage] = reply.ErrorMessage ?? "";
        }

        // Core NATS, not a stream: a caller that gave up and stopped has no subscription any more, and nothing is lost.
        return Connection.PublishAsync(replyTo, reply.Result, headers, serializer: s_raw, cancellationToken: cancellationToken);
    }
}
