using System;
using System.Buffers.Binary;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// Query replies: published on the caller's channel (<see cref="ReplyAddress"/>), which only the caller subscribes to.
/// Pub/sub keeps nothing: a reply published while the caller is disconnected is lost and its query times out, as a
/// caller that stopped loses its reply queue on a broker.
/// </summary>
internal sealed partial class RedisTransport
{
    // A reply on the wire: kind (0 result, 1 failure), the query's message id (16 bytes), then the result's bytes, or
    // for a failure the exception type and message as UTF-8, each after its length (4 bytes, big-endian).
    private const byte ResultReply = 0;
    private const byte FailureReply = 1;
    private const int ReplyHeader = 17;

    private async Task SubscribeRepliesAsync(CancellationToken cancellationToken)
    {
        ISubscriber subscriber = _connection!.GetSubscriber();
        await subscriber.SubscribeAsync(RedisChannel.Literal(ReplyAddress), (_, message) => OnReply(message)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnReply(RedisValue message)
    {
        ReadOnlyMemory<byte> bytes = (ReadOnlyMemory<byte>)message;
        if (!TryReadReply(bytes.Span, out Guid queryId, out QueryResponse reply))
        {
            Log.BadReply(_logger, bytes.Length);
            return;
        }

        _context?.Receiver.ReceiveReply(queryId, reply);
    }

    private static bool TryReadReply(ReadOnlySpan<byte> bytes, out Guid queryId, out QueryResponse reply)
    {
        queryId = default;
        reply = default;
        if (bytes.Length < ReplyHeader || bytes[0] > FailureReply)
        {
            return false;
        }

        queryId = new Guid(bytes.Slice(1, 16));
        ReadOnlySpan<byte> rest = bytes[ReplyHeader..];
        if (bytes[0] == ResultReply)
        {
            reply = QueryResponse.Success(rest.ToArray());
            return true;
        }

        if (!TryReadText(ref rest, out string? errorType) || !TryReadText(ref rest, out string? errorMessage))
        {
            return false;
        }

        reply = QueryResponse.Failure(errorType, errorMessage);
        return true;
    }

    private static bool TryReadText(ref ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        text = null;
        if (bytes.Length < 4 || BinaryPrimitives.ReadInt32BigEndian(bytes) is var length && (length < 0 || length > bytes.Length - 4))
        {
            return false;
        }

        text = Encoding.UTF8.GetString(bytes.Slice(4, length));
        bytes = bytes[(4 + length)..];
        return true;
    }

    public async ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken)
    {
        if (query.ReplyTo is not { Length: > 0 } replyTo)
        {
            return;
        }

        byte[] message;
        if (reply.IsFailure)
        {
            string errorType = reply.ErrorType ?? "";
            string errorMessage = reply.ErrorMessage ?? "";
            int typeBytes = Encoding.UTF8.GetByteCount(errorType);
            int messageBytes = Encoding.UTF8.GetByteCount(errorMessage);
            message = new byte[ReplyHeader + 8 + typeBytes + messageBytes];
            message[0] = FailureReply;
            Span<byte> rest = message.AsSpan(ReplyHeader);
            BinaryPrimitives.WriteInt32BigEndian(rest, typeBytes);
            Encoding.UTF8.GetBytes(errorType, rest[4..]);
            BinaryPrimitives.WriteInt32BigEndian(rest[(4 + typeBytes)..], messageBytes);
            Encoding.UTF8.GetBytes(errorMessage, rest[(8 + typeBytes)..]);
        }
        else
        {
            message = new byte[ReplyHeader + reply.Result.Length];
            message[0] = ResultReply;
            reply.Result.Span.CopyTo(message.AsSpan(ReplyHeader));
        }

        query.MessageId.TryWriteBytes(message.AsSpan(1, 16));

        // Nobody listening (the caller gave up and stopped) is not an error: nothing is lost.
        await Database.PublishAsync(RedisChannel.Literal(replyTo), message).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
