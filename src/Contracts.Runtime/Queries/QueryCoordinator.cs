using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Transport;
using Microsoft.Extensions.Logging;

namespace Contracts.Queries;

/// <summary>
/// Request/reply over a transport that carries replies as messages: each waiting caller is registered under its
/// query's message id until the reply arrives, the caller gives up, or the bus stops.
/// </summary>
internal sealed class QueryCoordinator(ITransport transport, ILogger logger)
{
    private readonly ConcurrentDictionary<Guid, (ContractDescriptor Contract, QueryReply Reply)> _waiting = new();

    /// <summary>Sends the query with this process's reply address and registers its caller.</summary>
    public async ValueTask SendAsync(Envelope envelope, QueryReply reply, CancellationToken cancellationToken)
    {
        if (envelope.Contract.ResultFormatter is null)
        {
            throw new InvalidOperationException(
                $"The result type {envelope.Contract.ResultTypeName} of query '{envelope.Contract}' has no generated formatter, so its reply cannot travel between processes.");
        }

        envelope.ReplyTo = transport.ReplyAddress;
        _waiting[envelope.MessageId] = (envelope.Contract, reply);
        try
        {
            await transport.SendAsync(envelope, null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _waiting.TryRemove(envelope.MessageId, out _);
            throw;
        }
    }

    /// <summary>Forgets a query whose caller stopped waiting; a late reply is then dropped.</summary>
    public void Forget(Guid queryId) => _waiting.TryRemove(queryId, out _);

    public void Complete(Guid queryId, QueryResponse response)
    {
        if (!_waiting.TryRemove(queryId, out (ContractDescriptor Contract, QueryReply Reply) waiting))
        {
            Log.LateReply(logger, queryId);
            return;
        }

        waiting.Reply.Complete(waiting.Contract, response);
    }

    /// <summary>Fails every caller still waiting: the bus stopped.</summary>
    public void FailAll()
    {
        foreach ((Guid id, (ContractDescriptor contract, QueryReply reply)) in _waiting)
        {
            if (_waiting.TryRemove(id, out _))
            {
                reply.TrySetException(new OperationCanceledException($"The bus stopped before the reply to '{contract}' arrived."));
            }
        }
    }
}
