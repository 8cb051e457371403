using System;
using Contracts.Transport;

namespace Contracts.Queries;

/// <summary>A query received from a broker: holds the handler's result or failure until the reply is sent.</summary>
internal sealed class RemoteQueryReply : QueryReply
{
    private object? _result;
    private Exception? _error;

    public void SetResult<TResult>(TResult result) => _result = result;

    public override void TrySetException(Exception exception) => _error ??= exception;

    public override void Complete(ContractDescriptor contract, QueryResponse response) =>
        throw new InvalidOperationException("A received query is completed by its handler, not by a reply.");

    /// <summary>The reply message: the result serialized with the query's result formatter, or the failure.</summary>
    public QueryResponse ToResponse(ContractDescriptor contract)
    {
        if (_error is { } error)
        {
            return QueryResponse.Failure(error.GetType().FullName ?? error.GetType().Name, error.Message);
        }

        try
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            contract.ResultFormatter!.Serialize(buffer, _result);
            return QueryResponse.Success(buffer.WrittenMemory);
        }
        catch (Exception ex) when (ex is MessagePack.MessagePackSerializationException or InvalidOperationException)
        {
            return QueryResponse.Failure(ex.GetType().FullName!, $"The result could not be serialized: {ex.Message}");
        }
    }
}
