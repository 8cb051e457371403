using System;
using System.Threading;
using Contracts.Transport;

namespace Contracts.Queries;

/// <summary>
/// The reply side of a query: in memory, the caller waiting (completed by the handler, failed by the pipeline);
/// on a broker, the caller waiting for the reply message, or the handler's side collecting what to send back.
/// </summary>
internal abstract class QueryReply
{
    private readonly CancellationTokenSource _abandoned = new();

    /// <summary>Signalled when the caller stops waiting (timeout or cancellation): the handler's work is then pointless.</summary>
    public CancellationToken Abandoned => _abandoned.Token;

    public void Abandon() => _abandoned.Cancel();

    public abstract void TrySetException(Exception exception);

    /// <summary>Completes the caller from a reply that came through a broker.</summary>
    public abstract void Complete(ContractDescriptor contract, QueryResponse response);
}
