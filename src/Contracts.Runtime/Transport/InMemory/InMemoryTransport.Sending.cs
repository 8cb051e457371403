using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Storage;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport.InMemory;

internal sealed partial class InMemoryTransport
{
    public ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _state) != Running && Volatile.Read(ref _state) != Stopping)
        {
            return ValueTask.FromException(StoppedError(envelope));
        }

        if (endpoint is not null)
        {
            EndpointQueue queue = _queues[endpoint.Index];
            return _durable && envelope.Reply is null
                ? PersistAndEnqueueAsync(envelope, [queue], cancellationToken)
                : EnqueueDeliveryAsync(new InMemoryDelivery(envelope, null), queue, cancellationToken);
        }

        EndpointQueue[] route = Route(envelope.Contract);
        if (route.Length == 0)
        {
            return ValueTask.CompletedTask;
        }

        if (_durable && envelope.Reply is null)
        {
            return PersistAndEnqueueAsync(envelope, route, cancellationToken);
        }

        return route.Length == 1
            ? EnqueueDeliveryAsync(new InMemoryDelivery(envelope, null), route[0], cancellationToken)
            : EnqueueAllAsync(envelope, route, cancellationToken);
    }

    public ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The in-memory transport completes a query's caller directly; it sends no reply messages.");

    private static readonly EndpointQueue[] s_noRoute = [];

    private EndpointQueue[] Route(ContractDescriptor contract)
    {
        EndpointQueue[]?[] routes = _routes;
        if ((uint)contract.Index < (uint)routes.Length && routes[contract.Index] is { } route)
        {
            return route;
        }

        return contract.Kind == MessageKind.Event ? s_noRoute : throw new NoHandlerException(contract);
    }

    /// <summary>Queues an event for each subscription in turn; only a subscription that makes the publisher wait costs a state machine.</summary>
    private ValueTask EnqueueAllAsync(Envelope envelope, EndpointQueue[] route, CancellationToken cancellationToken)
    {
        for (int i = 0; i < route.Length; i++)
        {
            ValueTask write = EnqueueDeliveryAsync(new InMemoryDelivery(envelope, null), route[i], cancellationToken);
            if (!write.IsCompletedSuccessfully)
            {
                return EnqueueRestAsync(write, envelope, route, i + 1, cancellationToken);
            }
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask EnqueueRestAsync(ValueTask pending, Envelope envelope, EndpointQueue[] route, int next, CancellationToken cancellationToken)
    {
        await pending.ConfigureAwait(false);
        for (int i = next; i < route.Length; i++)
        {
            await EnqueueDeliveryAsync(new InMemoryDelivery(envelope, null), route[i], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Commits one record per subscription (one commit), then queues each in memory.</summary>
    private async ValueTask PersistAndEnqueueAsync(Envelope envelope, EndpointQueue[] route, CancellationToken cancellationToken)
    {
        if (!_storeReady.IsCompletedSuccessfully)
        {
            await _storeReady.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var records = new MessageRecord[route.Length];
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = MessageRecord.FromEnvelope(envelope, route[i].Name, envelope.Payload);
        }

        await _store.Queue.EnqueueAsync(records, _claims.Next(), cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < records.Length; i++)
        {
            try
            {
                await EnqueueDeliveryAsync(new InMemoryDelivery(envelope, records[i]), route[i], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                // Committed but not queued in memory (stopping, full, cancelled): the store delivers it after the next start.
                Log.PersistedNotQueued(_logger, ex, envelope.MessageId, route[i].Name);
            }
        }
    }

    /// <summary>Queues one delivery, or schedules it when it is due later.</summary>
    internal ValueTask EnqueueDeliveryAsync(InMemoryDelivery delivery, EndpointQueue queue, CancellationToken cancellationToken)
    {
        // On an ordered endpoint a retry taken over from the store keeps its place in its key's order (claims come in
        // send order): it is queued at once, deferred, and its lane parks its key until it is due. A delayed send joins
        // its key's order when it comes due, as on any endpoint.
        if (delivery.Envelope.DeliverAt is { } due && due > _time.GetUtcNow())
        {
            if (!queue.Ordered || delivery.Envelope.Attempt == 1)
            {
                Interlocked.Increment(ref delivery.Record is null ? ref _scheduled : ref _durableScheduled);
                _ = DeliverLaterAsync(queue, delivery, due);
                return ValueTask.CompletedTask;
            }

            delivery = delivery with { Deferred = true };
        }

        Interlocked.Increment(ref _pending);
        ValueTask write = queue.WriteAsync(delivery, cancellationToken);
        return write.IsCompletedSuccessfully ? ValueTask.CompletedTask : AwaitWriteAsync(write, delivery.Envelope);
    }

    /// <summary>
    /// A delayed retry from the delivery being handled. On an ordered endpoint it is held by its lane, which parks its
    /// key until it has run (<see cref="OrderingFailureMode.Block"/>): no later message of the key overtakes it, the
    /// lane's other keys go on. Elsewhere it waits on a timer.
    /// </summary>
    internal ValueTask RetryLaterAsync(InMemoryDelivery delivery, EndpointQueue queue, CancellationToken cancellationToken)
    {
        if (!queue.Ordered)
        {
            return EnqueueDeliveryAsync(delivery, queue, cancellationToken);
        }

        Interlocked.Increment(ref _pending);
        queue.Hold(delivery);
        return ValueTask.CompletedTask;
    }

    private async ValueTask AwaitWriteAsync(ValueTask write, Envelope envelope)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            // The producer was still waiting for room when the bus stopped without time to drain.
            Completed();
            throw StoppedError(envelope, ex);
        }
        catch
        {
            Completed();
            throw;
        }
    }

    private static InvalidOperationException StoppedError(Envelope envelope, Exception? inner = null) => new(
        $"The bus has stopped; '{envelope.Contract}' {envelope.MessageId} was not sent. " +
        "Send before the host stops; while it drains, only handlers' sends are still handled.", inner);

    private async Task DeliverLaterAsync(EndpointQueue queue, InMemoryDelivery delivery, DateTimeOffset due)
    {
        bool durable = delivery.Record is not null;
        try
        {
            // The due time may have passed since the send checked it; a negative delay would throw and lose the message.
            TimeSpan delay = due - _time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, _timers.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return; // in memory: counted as lost at stop; durable: still in the store for the next start
        }

        Interlocked.Decrement(ref durable ? ref _durableScheduled : ref _scheduled);
        Interlocked.Increment(ref _pending);
        try
        {
            await queue.WriteAsync(delivery, _timers.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Completed();
            Log.HandlerFailed(_logger, ex, queue.Endpoint.Handler.HandlerName, delivery.Envelope.Contract.Name, delivery.Envelope.MessageId, delivery.Envelope.Attempt, queue.Name);
        }
    }

    private void OnDropped(EndpointQueue queue, InMemoryDelivery delivery)
    {
        ContractsTelemetry.Dropped.Add(1, ContractsTelemetry.ContractTag(delivery.Envelope.Contract), ContractsTelemetry.EndpointTag(queue.Name));
        Log.Dropped(_logger, queue.Name, delivery.Envelope.MessageId, delivery.Envelope.Contract.Name);
        delivery.Envelope.Reply?.TrySetException(new EndpointFullException(queue.Name, queue.Options.Capacity));
        Processed(queue, delivery);
    }

    private void Completed()
    {
        if (Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _state) == Stopping)
        {
            _drained.TrySetResult();
        }
    }
}
