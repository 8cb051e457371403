using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Modules;
using Contracts.Pipeline.Steps;
using Contracts.Queries;
using Contracts.Storage;
using Contracts.Transport;
using Microsoft.Extensions.Logging;

namespace Contracts.Pipeline;

/// <summary>
/// The core's receiving side, for every transport: reads what arrives, runs each delivery through its steps (in
/// <c>Steps/</c>) and settles it through the transport's <see cref="IDeliveryControl"/>. In order, outermost first:
/// telemetry (<see cref="TelemetryStep"/>), failure handling (<see cref="RetryStep"/>, <see cref="DeadLetterStep"/>),
/// the inbox and the consume transaction (<see cref="InboxStep"/>), then <see cref="HandlerStep"/>: the
/// <see cref="IConsumeMiddleware"/> steps, the payload read, the handler.
/// </summary>
/// <remarks>
/// Most deliveries need no inbox, reply or tracing and their handler completes at once: those run in
/// <see cref="ReceiveAsync(TransportEndpoint, Envelope, IDeliveryControl)"/> without an async state machine (the
/// compiled form of the default chain). Anything else, or a first attempt that fails or suspends, continues in
/// <see cref="ProcessSlowAsync"/>, which picks up the attempt already started. The attempt loop is in the partial
/// <c>ConsumePipeline.Attempts.cs</c>; what turns a message away before any handler runs (expired, due too far ahead,
/// a crash loop) is in <c>ConsumePipeline.Arrival.cs</c>; queries run inline on their caller's thread in
/// <c>ConsumePipeline.Queries.cs</c>.
/// </remarks>
internal sealed partial class ConsumePipeline : ITransportReceiver
{
    private readonly ContractsOptions _options;
    private readonly ContractCatalog _catalog;
    private readonly ITransport _transport;
    private readonly string _messagingSystem;
    private readonly Durability.StoreScheduler? _scheduler;
    private readonly QueryCoordinator _queries;
    private readonly DeliveryServices _delivery;
    private readonly BusLifetime _lifetime;
    private readonly CancellationToken _abort;
    private readonly Action _wakeRelay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HandlerStep _handler;
    private readonly ConsumeDelegate _chain;
    private readonly InboxStep _inbox;
    private readonly DeadLetterStep _deadLetters;
    private readonly int _maxUnfinished;

    public ConsumePipeline(
        ContractsOptions options, ContractCatalog catalog, IMessageStore store, ITransport transport, Durability.StoreScheduler? scheduler, QueryCoordinator queries,
        DeliveryServices delivery, IEnumerable<IConsumeMiddleware> middlewares, BusLifetime lifetime, Action wakeRelay, TimeProvider time, ILogger logger)
    {
        _options = options;
        _catalog = catalog;
        _transport = transport;
        _messagingSystem = transport.MessagingSystem;
        _scheduler = scheduler;
        _queries = queries;
        _delivery = delivery;
        _lifetime = lifetime;
        _abort = lifetime.Abort.Token;
        _wakeRelay = wakeRelay;
        _time = time;
        _logger = logger;
        _handler = new HandlerStep(middlewares, options.MaxPayloadBytes);
        _chain = _handler.Chain;
        _inbox = new InboxStep(store);
        _deadLetters = new DeadLetterStep(store, transport, options.DeadLetterDetail, time, logger);
        _maxUnfinished = options.MaxUnfinishedDeliveries;
    }

    public ValueTask ReceiveAsync(TransportEndpoint endpoint, IHeaderReader headers, ReadOnlyMemory<byte> body, IDeliveryControl control, CancellationToken cancellationToken)
    {
        if (!_lifetime.IsRunning)
        {
            throw new InvalidOperationException($"Endpoint '{endpoint.Name}' is not consuming here (the bus is stopping): the delivery stays queued.");
        }

        Envelope? envelope;
        DeadLetterReason reason;
        string? error;
        try
        {
            if (!EnvelopeCodec.TryRead(headers, body, _catalog, _options.MaxPayloadBytes, out envelope, out reason, out error))
            {
                return _deadLetters.UnreadableAsync(endpoint, RecordOf(headers, body), reason, error, control);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever a transport's headers throw, a message that cannot be decoded is dead-lettered, never requeued
            // (a requeued one comes straight back, for ever).
            return _deadLetters.UnreadableAsync(endpoint, RecordOf(headers, body), DeadLetterReason.Unreadable, $"The envelope cannot be read: {ex.Message}", control);
        }

        if (!endpoint.Carries(envelope.Contract))
        {
            // A message routed to the wrong queue is never handed to a handler of another type.
            return _deadLetters.UnreadableAsync(endpoint, MessageRecord.FromEnvelope(envelope, endpoint.Name, envelope.Payload), DeadLetterReason.Unreadable,
                $"A '{envelope.Contract}' arrived on endpoint '{endpoint.Name}', which carries '{endpoint.ContractAddress}' only (published with the wrong routing key?).", control);
        }

        if (envelope.Contract.Kind == MessageKind.Query && envelope.ReplyTo is not null)
        {
            envelope.Reply = new RemoteQueryReply();
        }

        return ReceiveAsync(endpoint, envelope, control);
    }

    public void ReceiveReply(Guid queryId, QueryResponse reply) => _queries.Complete(queryId, reply);

    /// <summary>What can be read of a message that is not an envelope; when not even that, its bytes alone.</summary>
    private static MessageRecord RecordOf(IHeaderReader headers, ReadOnlyMemory<byte> body)
    {
        try
        {
            return EnvelopeCodec.ReadRecord(headers, body);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new MessageRecord { Payload = body.ToArray(), LastError = ex.Message };
        }
    }

    public ValueTask ReceiveAsync(TransportEndpoint endpoint, Envelope envelope, IDeliveryControl control)
    {
        if (TurnedAway(endpoint, envelope, control) is { } settled)
        {
            return settled;
        }

        if (ContractsTelemetry.Consumed.Enabled)
        {
            ContractsTelemetry.Consumed.Add(
                1, ContractsTelemetry.SystemTag(_messagingSystem), ContractsTelemetry.DestinationTag(envelope.Contract), ContractsTelemetry.SubscriptionTag(endpoint.Name));
        }

        if (envelope.Reply is not null || endpoint.Options.Delivery != DeliveryMode.AtLeastOnce ||
            _abort.IsCancellationRequested || TelemetryStep.Observed)
        {
            return ProcessSlowAsync(endpoint, envelope, control, started: null);
        }

        // Without middleware nothing but the pipeline holds the delivery's context, so one that finished at once is
        // reused by the next delivery on this thread (its message context is new each time, and checks it is still current).
        bool reusable = !_handler.HasMiddleware;
        ConsumeContext context = reusable
            ? ConsumeContext.Rent(_delivery, envelope, endpoint.HandlerFor(envelope.Contract), endpoint.Name, _abort)
            : new ConsumeContext(_delivery, envelope, endpoint.HandlerFor(envelope.Contract), endpoint.Name, _abort);

        // An async method restores the ambient state (AsyncLocal values, culture, Activity.Current) its callees
        // changed; this one is not async, so it does it itself: a handler's ambient state must not reach the next
        // delivery on this worker.
        ExecutionContext? ambient = ExecutionContext.Capture();
        ValueTask attempt;
        try
        {
            attempt = _chain(context);
        }
        catch (Exception ex)
        {
            attempt = ValueTask.FromException(ex);
        }

        if (ambient is not null && !ReferenceEquals(ExecutionContext.Capture(), ambient))
        {
            ExecutionContext.Restore(ambient);
        }

        if (!attempt.IsCompletedSuccessfully)
        {
            return ProcessSlowAsync(endpoint, envelope, control, new StartedAttempt(context, attempt));
        }

        if (ContractsTelemetry.Handled.Enabled)
        {
            ContractsTelemetry.Handled.Add(1, ContractsTelemetry.ContractTag(envelope.Contract), ContractsTelemetry.EndpointTag(endpoint.Name));
        }

        ValueTask disposed;
        try
        {
            disposed = context.DisposeAsync();
        }
        catch (Exception ex)
        {
            disposed = ValueTask.FromException(ex); // a scope that is only IDisposable throws here, not in the task
        }

        ValueTask completed = disposed.IsCompletedSuccessfully ? control.CompleteAsync(CancellationToken.None) : default;
        if (!disposed.IsCompletedSuccessfully || !completed.IsCompletedSuccessfully)
        {
            return AfterHandledAsync(disposed, completed, context, control, endpoint);
        }

        if (reusable)
        {
            // Done with both: the transport may reuse the envelope (if it was rented and not given out), this thread the context.
            envelope.Release();
            context.Return();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The fast path's first attempt, when it failed or has not finished: the slow path takes it over.</summary>
    private readonly record struct StartedAttempt(ConsumeContext Context, ValueTask Attempt);

    private async ValueTask AfterHandledAsync(ValueTask disposed, ValueTask completed, ConsumeContext context, IDeliveryControl control, TransportEndpoint endpoint)
    {
        if (!disposed.IsCompletedSuccessfully)
        {
            try
            {
                await disposed.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.ScopeDisposeFailed(_logger, ex, context.Handler.HandlerName, context.Envelope.Contract.Name, context.Envelope.MessageId, endpoint.Name);
            }

            completed = control.CompleteAsync(CancellationToken.None);
        }

        await completed.ConfigureAwait(false);
    }

    private async ValueTask ProcessSlowAsync(TransportEndpoint endpoint, Envelope envelope, IDeliveryControl control, StartedAttempt? started)
    {
        if (started is null && _abort.IsCancellationRequested)
        {
            // Shutdown ran out of time: calling a handler with a cancelled token only wastes the time left.
            Log.NotHandled(_logger, endpoint.Name, envelope.MessageId, envelope.Contract.Name);
            envelope.Reply?.TrySetException(new OperationCanceledException($"The bus stopped before '{envelope.Contract}' {envelope.MessageId} was handled."));
            await control.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        // A query's handler also stops when its caller gives up (in process), or at its caller's deadline (from another
        // process); other deliveries share the bus's token, allocation-free.
        CancellationTokenSource? linked = envelope.Reply switch
        {
            RemoteQueryReply when envelope.DeliverBy is { } deliverBy => CancelAt(deliverBy),
            QueryReply { } local and not RemoteQueryReply => CancellationTokenSource.CreateLinkedTokenSource(_abort, local.Abandoned),
            _ => null,
        };
        ConsumeContext context = started?.Context ?? new ConsumeContext(_delivery, envelope, endpoint.HandlerFor(envelope.Contract), endpoint.Name, linked?.Token ?? _abort);
        Outcome outcome = Outcome.Abandoned;
        bool expired = false;
        using (Activity? activity = TelemetryStep.StartProcess(envelope, endpoint, _messagingSystem))
        {
            long startedAt = ContractsTelemetry.ProcessDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
            string? errorType = null;
            var tags = new TagList
            {
                ContractsTelemetry.ContractTag(envelope.Contract),
                ContractsTelemetry.EndpointTag(endpoint.Name),
            };
            try
            {
                if (envelope.Reply is not null)
                {
                    // A query: no retries or dead letters; its caller gets the failure.
                    await _chain(context).ConfigureAwait(false);
                    ContractsTelemetry.Handled.Add(1, tags);
                    outcome = Outcome.Handled;
                }
                else
                {
                    outcome = await ConsumeAsync(context, endpoint, control, started?.Attempt).ConfigureAwait(false);
                    switch (outcome)
                    {
                        case Outcome.Handled:
                            ContractsTelemetry.Handled.Add(1, tags);
                            activity?.SetTag("error.type", null); // an attempt failed, a later one succeeded
                            break;
                        case Outcome.DeadLettered:
                            ContractsTelemetry.Failed.Add(1, tags);
                            errorType = context.ErrorType ?? "dead_lettered";
                            activity?.SetStatus(ActivityStatusCode.Error);
                            break;
                    }
                }
            }
            catch (Exception ex)
            {
                // The pipeline's last resort: the failure is logged, counted and returned to a waiting query caller.
                ContractsTelemetry.Failed.Add(1, tags);
                errorType = ex.GetType().FullName;
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                activity?.SetTag("error.type", errorType);
                activity?.AddException(ex);
                if (ex is UnreadableMessageException)
                {
                    Log.Unreadable(_logger, ex, envelope.MessageId, endpoint.Name, envelope.Contract.Name, ex.Message);
                }
                else
                {
                    Log.HandlerFailed(_logger, ex, endpoint.Handler.HandlerName, envelope.Contract.Name, envelope.MessageId, context.Attempt, endpoint.Name);
                }

                // A query is settled by the failure it returns; a command or event that failed outside its handler
                // (the store or the transport under a retry) is not, and is delivered again.
                if (envelope.Reply is { } failed)
                {
                    failed.TrySetException(ex);
                    outcome = Outcome.Handled;
                }
            }
            finally
            {
                if (startedAt != 0)
                {
                    RecordProcessDuration(envelope, endpoint, startedAt, errorType);
                }

                try
                {
                    await context.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // A scoped service that throws on dispose must not end the endpoint's worker or stall the drain.
                    Log.ScopeDisposeFailed(_logger, ex, endpoint.Handler.HandlerName, envelope.Contract.Name, envelope.MessageId, endpoint.Name);
                }
                finally
                {
                    expired = linked is not null && linked.IsCancellationRequested && !_abort.IsCancellationRequested && envelope.Reply is RemoteQueryReply;
                    linked?.Dispose();
                }
            }
        }

        if (envelope.Reply is not null)
        {
            if (envelope.Reply is RemoteQueryReply remote)
            {
                if (expired)
                {
                    // Cut off at its caller's deadline: the caller has given up, and a reply would only race its timeout.
                    Log.Expired(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name);
                }
                else
                {
                    await _transport.ReplyAsync(envelope, remote.ToResponse(envelope.Contract), CancellationToken.None).ConfigureAwait(false);
                }
            }

            await control.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
        else if (outcome == Outcome.Abandoned)
        {
            await control.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary><c>messaging.process.duration</c>, in seconds, with the convention's attributes.</summary>
    private void RecordProcessDuration(Envelope envelope, TransportEndpoint endpoint, long startedAt, string? errorType)
    {
        var tags = new TagList
        {
            ContractsTelemetry.SystemTag(_messagingSystem),
            ContractsTelemetry.OperationTag(TelemetryStep.Process),
            ContractsTelemetry.DestinationTag(envelope.Contract),
            ContractsTelemetry.SubscriptionTag(endpoint.Name),
        };
        if (errorType is not null)
        {
            tags.Add(ContractsTelemetry.ErrorTag(errorType));
        }

        ContractsTelemetry.ProcessDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
    }

    /// <summary>A token signalled at <paramref name="deadline"/> or when the bus aborts; disposing it unlinks it from the bus.</summary>
    private CancellationTokenSource CancelAt(DateTimeOffset deadline)
    {
        TimeSpan left = deadline - _time.GetUtcNow();
        var source = CancellationTokenSource.CreateLinkedTokenSource(_abort);
        source.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        return source;
    }
}
