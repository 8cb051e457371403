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

/// <summary>The bus: builds envelopes (ids, correlation, trace context, idempotency key) and hands them to the runtime.</summary>
internal sealed partial class MessageBus : IMessageBus
{
    private readonly ContractsRuntime _runtime;
    private readonly TimeProvider _time;

    public MessageBus(ContractsRuntime runtime)
    {
        _runtime = runtime;
        _time = runtime.Time;
    }

    internal ContractsRuntime Runtime => _runtime;

    public ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>
        => SendAsync(command, options, parent: null, cancellationToken);

    public ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : class, IEvent, IContract<TEvent>
        => PublishAsync(@event, options, parent: null, cancellationToken);

    public ValueTask<TResult> QueryAsync<TResult>(IQuery<TResult> query, QueryOptions? options = null, CancellationToken cancellationToken = default)
        => QueryAsync(query, options, parent: null, cancellationToken);

    internal ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options, MessageContext? parent, CancellationToken cancellationToken)
        where TCommand : class, ICommand, IContract<TCommand>
    {
        ArgumentNullException.ThrowIfNull(command);
        ContractDescriptor<TCommand> contract = TCommand.Contract;
        using Activity? activity = StartActivity("send", contract);
        Envelope envelope = CreateEnvelope(contract, command, options, parent, activity);
        return _runtime.SendAsync(envelope, parent?.Consume, cancellationToken);
    }

    internal ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options, MessageContext? parent, CancellationToken cancellationToken)
        where TEvent : class, IEvent, IContract<TEvent>
    {
        ArgumentNullException.ThrowIfNull(@event);
        ContractDescriptor<TEvent> contract = TEvent.Contract;
        if (_runtime.InProcess && _runtime.Routes.Find(contract).Length == 0)
        {
            // Nobody here subscribes, and nobody else can; a bus that is not running still says so, as a send would.
            return _runtime.TakesMessages ? ValueTask.CompletedTask : ValueTask.FromException(_runtime.NotRunning(contract, ""));
        }

        using Activity? activity = StartActivity("publish", contract);

        // One envelope for every subscription: the message is immutable and per-delivery state lives in the consume context.
        Envelope envelope = CreateEnvelope(contract, @event, options, parent, activity);
        return _runtime.SendAsync(envelope, parent?.Consume, cancellationToken);
    }

    /// <summary>
    /// Publishes an event just appended to the event store (with the in-memory store, which has no relay): the event's
    /// id is the message id, and its conversation and cause are the append's.
    /// </summary>
    internal ValueTask PublishAppendedAsync(IEvent @event, Guid eventId, Guid correlationId, Guid? causationId, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        ContractDescriptor contract = @event.Descriptor;
        if (_runtime.InProcess && _runtime.Routes.Find(contract).Length == 0)
        {
            return ValueTask.CompletedTask;
        }

        using Activity? activity = StartActivity("publish", contract);
        Envelope envelope = CreateEnvelope(contract, @event, new SendOptions { MessageId = eventId, CorrelationId = correlationId, Headers = headers }, parent: null, activity);
        envelope.CausationId = causationId;
        return _runtime.SendAsync(envelope, within: null, cancellationToken);
    }

    /// <summary>The outbox record of an event appended to the event store: the event's id is the message id, its bytes the payload.</summary>
    internal MessageRecord CreateAppendedRecord(IEvent @event, EventRecord appended)
    {
        var record = new MessageRecord
        {
            Endpoint = "",
            MessageId = appended.EventId,
            ContractName = appended.ContractName,
            ContractVersion = appended.ContractVersion,
            CorrelationId = appended.CorrelationId,
            CausationId = appended.CausationId,
            IdempotencyKey = @event.Descriptor.GetIdempotencyKey(@event),
            SentAt = _time.GetUtcNow(),
            Headers = appended.Headers,
            Payload = appended.Payload,
        };
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            record.TraceParent = current.Id;
            record.TraceState = current.TraceStateString;
        }

        return record;
    }

    /// <summary>
    /// Sends or publishes a message whose type is known only by its descriptor (what a saga step recorded, sent when
    /// its state is saved): the same envelope as the typed calls.
    /// </summary>
    internal ValueTask SendAsync(ContractDescriptor contract, object message, SendOptions? options, MessageContext? parent, CancellationToken cancellationToken)
    {
        if (contract.Kind == MessageKind.Event && _runtime.InProcess && _runtime.Routes.Find(contract).Length == 0)
        {
            return _runtime.TakesMessages ? ValueTask.CompletedTask : ValueTask.FromException(_runtime.NotRunning(contract, ""));
        }

        using Activity? activity = StartActivity(contract.Kind == MessageKind.Event ? "publish" : "send", contract);
        Envelope envelope = CreateEnvelope(contract, message, options, parent, activity);
        return _runtime.SendAsync(envelope, parent?.Consume, cancellationToken);
    }

    /// <summary>An outbox record of <paramref name="message"/>: the envelope a send would create, serialized, not yet routed.</summary>
    internal MessageRecord CreateOutboxRecord(ContractDescriptor contract, object message, SendOptions? options)
    {
        Envelope envelope = CreateEnvelope(contract, message, options, parent: null, activity: null, forceSerialize: true);
        return MessageRecord.FromEnvelope(envelope, endpoint: "", envelope.Payload);
    }

    private Envelope CreateEnvelope(ContractDescriptor contract, object message, SendOptions? options, MessageContext? parent, Activity? activity, bool forceSerialize = false)
    {
        DateTimeOffset now = _time.GetUtcNow();
        Guid messageId = options?.MessageId ?? MessageIds.NewVersion7(now);
        Envelope envelope = contract.Kind == MessageKind.Command && _runtime.RecyclesEnvelopes && !forceSerialize
            ? Transport.InMemory.EnvelopePool.Rent(contract, messageId) // one subscription, queued here: reused once handled
            : new Envelope(contract, messageId);
        envelope.SentAt = now;
        envelope.CorrelationId = options?.CorrelationId ?? parent?.CorrelationId ?? envelope.MessageId;
        envelope.CausationId = parent?.MessageId;
        if (options is not null)
        {
            envelope.Headers = options.Headers;
            envelope.Priority = options.Priority ?? 0;
            envelope.DeliverAt = options.DeliverAt ?? (options.Delay is { } delay ? now + delay : null);
            if (envelope.DeliverAt is { } due && due - now > _runtime.Options.MaxDeliveryDelay)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(options), due,
                    $"'{contract}' is to be delivered at {due:O}, further ahead than ContractsOptions.MaxDeliveryDelay ({_runtime.Options.MaxDeliveryDelay}) allows. " +
                    "Schedule it closer, or raise MaxDeliveryDelay.");
            }
        }

        Activity? current = activity ?? Activity.Current;
        if (current is not null && current.IdFormat == ActivityIdFormat.W3C)
        {
            envelope.TraceParent = current.Id;
            envelope.TraceState = current.TraceStateString;
        }


        if (_runtime.SerializeMessages || forceSerialize)
        {
            envelope.IdempotencyKey = contract.GetIdempotencyKey(message);
            envelope.Payload = Serialize(contract, message);
        }
        else
        {
            // In process the handler gets the object; a durable store also needs the bytes (not for queries, which are never stored).
            envelope.Message = message;
            envelope.KeyFromMessage();
            if (_runtime.StoresPayload && contract.Kind != MessageKind.Query)
            {
                envelope.Payload = Serialize(contract, message);
            }
        }

        if (activity is not null)
        {
            activity.SetTag("messaging.message.id", envelope.MessageId.ToString());
            activity.SetTag("messaging.message.conversation_id", envelope.CorrelationId.ToString());
            if (!envelope.Payload.IsEmpty)
            {
                activity.SetTag("messaging.message.body.size", envelope.Payload.Length);
            }
        }

        return envelope;
    }

#pragma warning disable IDE1006 // thread-static fields are t_camel, which the naming rules cannot express
    /// <summary>A buffer per thread to write payloads into: each payload then costs one array of its exact size.</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;
#pragma warning restore IDE1006

    private ReadOnlyMemory<byte> Serialize(ContractDescriptor contract, object message)
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        try
        {
            contract.Serialize(buffer, message);
            int limit = _runtime.Options.MaxPayloadBytes;
            if (buffer.WrittenCount > limit)
            {
                throw new MessageTooLargeException(contract, buffer.WrittenCount, limit);
            }

            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            // One large message must not pin a large buffer to the thread for good.
            if (buffer.Capacity > 64 * 1024)
            {
                t_buffer = null;
            }
        }
    }

    /// <summary>A producer span on the OpenTelemetry messaging conventions: <c>{operation} {contract}</c>, operation type <c>send</c>.</summary>
    private Activity? StartActivity(string operation, ContractDescriptor contract)
    {
        if (!ContractsTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        Activity? activity = ContractsTelemetry.ActivitySource.StartActivity(operation, ActivityKind.Producer);
        if (activity is not null)
        {
            activity.DisplayName = $"{operation} {contract.Name}";
            activity.SetTag("messaging.system", _runtime.MessagingSystem);
            activity.SetTag("messaging.operation.name", operation);
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", contract.Name);
        }

        return activity;
    }
}
