using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Modules;
using Contracts.Pipeline;
using Contracts.Queries;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts;

// Queries: inline on the caller's thread where the handler is in this process, else through the endpoint and a reply.
internal sealed partial class MessageBus
{
    /// <summary>
    /// Per contract (by <see cref="ContractDescriptor.Index"/>), where its queries run inline: decided on the contract's
    /// first query from what is fixed once the bus is built (its route, the transport, the endpoint's settings), so a
    /// query reads one slot. Grown by replacement; two threads deciding the same contract decide the same.
    /// </summary>
    private InlineRoute?[] _inlineRoutes = [];

    /// <summary>
    /// Runs a query. Its handler in this process (the in-memory transport, serialization off, the endpoint's
    /// <see cref="EndpointOptions.InlineQueries"/> on) runs inline on the caller's thread: with no middleware and no one
    /// tracing or measuring, straight through <see cref="Pipeline.ConsumePipeline.QueryInline{TResult}"/>; otherwise
    /// through the whole pipeline, still on this thread. Any other query is queued to its endpoint (or sent to a broker)
    /// and its caller waits for the reply.
    /// </summary>
    internal ValueTask<TResult> QueryAsync<TResult>(IQuery<TResult> query, QueryOptions? options, MessageContext? parent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ContractDescriptor contract = query.Descriptor;
        if (contract.Kind != MessageKind.Query)
        {
            throw new ArgumentException($"'{contract}' is a {contract.Kind.ToString().ToLowerInvariant()}, not a query.", nameof(query));
        }

        InlineRoute?[] routes = _inlineRoutes;
        TransportEndpoint? inline = ((uint)contract.Index < (uint)routes.Length ? routes[contract.Index] : null)?.Endpoint ?? DecideInline(contract);
        if (inline is not null && inline.Handler is QueryHandlerDescriptor<TResult> handler && _runtime.Pipeline.QueriesPlain)
        {
            if (!_runtime.TakesMessages)
            {
                throw _runtime.NotRunning(contract, "");
            }

            TimeSpan timeout = options?.Timeout ?? _runtime.Options.QueryTimeout;
            ExecutionContext? ambient = ExecutionContext.Capture();
            InlineQueryFrame frame = InlineQueryFrame.Rent();
            Envelope envelope = CreateInlineEnvelope(frame, contract, query, options, parent, ambient);
            return _runtime.Pipeline.QueryInline(inline, handler, frame, envelope, ambient, timeout, cancellationToken);
        }

        return QueryThroughPipelineAsync(query, contract, _runtime.Routes.Find(contract), inline, options, parent, cancellationToken);
    }

    /// <summary>The endpoint queries of <paramref name="contract"/> run inline on, or null; remembered in <see cref="_inlineRoutes"/>.</summary>
    private TransportEndpoint? DecideInline(ContractDescriptor contract)
    {
        InlineRoute?[] routes = _inlineRoutes;
        if ((uint)contract.Index < (uint)routes.Length && routes[contract.Index] is { } decided)
        {
            return decided.Endpoint; // decided: no endpoint
        }

        TransportEndpoint[] route = _runtime.Routes.Find(contract);
        var inline = new InlineRoute(route.Length == 1 && _runtime.InlineQueries && route[0].Options.InlineQueries ? route[0] : null);
        if ((uint)contract.Index >= (uint)routes.Length)
        {
            Array.Resize(ref routes, Math.Max(contract.Index + 1, routes.Length * 2));
        }

        Volatile.Write(ref routes[contract.Index], inline);
        Volatile.Write(ref _inlineRoutes, routes);
        return inline.Endpoint;
    }

    /// <summary>One contract's decision in <see cref="_inlineRoutes"/>: the endpoint, or null for a query that is not run inline.</summary>
    private sealed record InlineRoute(TransportEndpoint? Endpoint);

    /// <summary>A query whose caller waits for a reply: from its endpoint's worker, a broker, or the pipeline run inline on this thread (<paramref name="inline"/>).</summary>
    private async ValueTask<TResult> QueryThroughPipelineAsync<TResult>(
        IQuery<TResult> query, ContractDescriptor contract, TransportEndpoint[] route, TransportEndpoint? inline, QueryOptions? options, MessageContext? parent, CancellationToken cancellationToken)
    {
        TimeSpan timeout = options?.Timeout ?? _runtime.Options.QueryTimeout;
        using Activity? activity = StartActivity("query", contract);
        SendOptions? sendOptions = options is null ? null : new SendOptions { CorrelationId = options.CorrelationId, Headers = options.Headers };
        Envelope envelope = CreateEnvelope(contract, query, sendOptions, parent, activity);
        _runtime.ThrowIfNotRunning(envelope);
        var reply = new QueryReply<TResult>();
        if (inline is not null)
        {
            // Middleware or telemetry: the worker's pipeline, on this thread; what it throws goes to the reply.
            envelope.Reply = reply;
            cancellationToken.ThrowIfCancellationRequested();
            _runtime.CountSentIfMeasured(envelope);
            // Not awaited: the caller waits on the reply, with its timeout; the delivery ends when its handler does.
            _ = _runtime.Pipeline.ReceiveInline(inline, envelope).AsTask();
        }
        else if (_runtime.InProcess)
        {
            envelope.Reply = reply;
            await _runtime.SendAsync(envelope, within: null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A query that outlives its caller's patience is pointless: the transport drops it unhandled after the timeout.
            envelope.DeliverBy = _time.GetUtcNow() + timeout;
            await _runtime.Queries.SendAsync(envelope, reply, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await reply.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reply.Abandon();
            throw;
        }
        catch (TimeoutException ex) when (!IsFromHandler(reply.Task, ex))
        {
            reply.Abandon();
            string handler = route.Length > 0 ? $"The handler {route[0].Handler.HandlerName}" : "Its handler";
            throw new TimeoutException(
                $"Query '{contract}' ({envelope.MessageId}) got no reply within {timeout}. {handler} " +
                "may be slow, not running, or its endpoint backed up; raise QueryOptions.Timeout or ContractsOptions.QueryTimeout if that is expected.");
        }
        finally
        {
            if (!_runtime.InProcess)
            {
                _runtime.Queries.Forget(envelope.MessageId);
            }
        }
    }

    /// <summary>
    /// The envelope of an inline query: what <see cref="CreateEnvelope"/> makes for a query in process (no payload, no
    /// delay or priority), with its id and send time drawn when first read.
    /// </summary>
    private Envelope CreateInlineEnvelope(InlineQueryFrame frame, ContractDescriptor contract, object query, QueryOptions? options, MessageContext? parent, ExecutionContext? ambient)
    {
        Envelope envelope = Envelope.ForInlineQuery(frame.Envelope, contract, _time, options?.CorrelationId ?? parent?.CorrelationId);

        // A new or recycled envelope has neither: most queries set none, and skip the stores.
        if (parent is not null)
        {
            envelope.CausationId = parent.MessageId;
        }

        if (options?.Headers is { } headers)
        {
            envelope.Headers = headers;
        }

        if (frame.CurrentActivity(ambient) is { IdFormat: ActivityIdFormat.W3C } current)
        {
            envelope.TraceParent = current.Id;
            envelope.TraceState = current.TraceStateString;
        }

        envelope.Message = query;
        envelope.KeyFromMessage();
        return envelope;
    }

    /// <summary>Whether <paramref name="exception"/> is the handler's own failure rather than the wait's.</summary>
    private static bool IsFromHandler(Task task, Exception exception) =>
        task.IsFaulted && task.Exception?.InnerException == exception;
}
