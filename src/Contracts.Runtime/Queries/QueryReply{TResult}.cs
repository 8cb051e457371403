using System;
using System.Threading.Tasks;
using Contracts.Transport;

namespace Contracts.Queries;

/// <summary>The caller of an in-process or remote query, waiting for its typed result.</summary>
internal sealed class QueryReply<TResult> : QueryReply
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TResult> Task => _completion.Task;

    public void TrySetResult(TResult result) => _completion.TrySetResult(result);

    public override void TrySetException(Exception exception) => _completion.TrySetException(exception);

    public override void Complete(ContractDescriptor contract, QueryResponse response)
    {
        if (response.IsFailure)
        {
            TrySetException(new QueryFailedException(contract, response.ErrorType!, response.ErrorMessage ?? ""));
            return;
        }

        try
        {
            // A null result reads back as null; the cast then gives default for a nullable result type.
            TrySetResult((TResult)contract.ResultFormatter!.Deserialize(response.Result)!);
        }
        catch (Exception ex) when (ex is MessagePack.MessagePackSerializationException or InvalidCastException)
        {
            TrySetException(new Pipeline.UnreadableMessageException($"The reply to query '{contract}' is not a valid {contract.ResultTypeName}: {ex.Message}", ex));
        }
    }
}
