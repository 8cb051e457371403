using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Modules;
using Contracts.Pipeline.Steps;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts.Pipeline;

/// <summary>
/// Inline queries: a query whose handler is in this process runs on its caller's thread, with no queue, worker or
/// reply object in between.
/// </summary>
/// <remarks>
/// The common case (no middleware, no one tracing or measuring, the handler done without suspending) is
/// <see cref="QueryInline{TResult}"/>, without a state machine, a timer or an allocation: the envelope, the contexts
/// and the handler's token source come from an <see cref="InlineQueryFrame"/> kept per thread and reused after such a query, the caller's token is linked to it by one registration (only when it can cancel at
/// all), and the timeout is armed only when the handler suspends, as a wait on its task (<see cref="AwaitQueryAsync{TResult}"/>),
/// which at the deadline cancels the handler's token and fails the caller whether or not the handler listens.
/// Middleware or telemetry take <see cref="ReceiveInline"/>: the pipeline a worker runs, on the caller's thread.
/// </remarks>
internal sealed partial class ConsumePipeline
{
    private static readonly Action<object?> s_cancel = static state => ((CancellationTokenSource)state!).Cancel();

    /// <summary>Whether a query can skip the pipeline's steps: no middleware, and no one traces or measures.</summary>
    public bool QueriesPlain =>
        !_handler.HasMiddleware && !TelemetryStep.Observed &&
        !ContractsTelemetry.Consumed.Enabled && !ContractsTelemetry.Handled.Enabled && !ContractsTelemetry.Failed.Enabled && !ContractsTelemetry.Sent.Enabled;

    /// <summary>
    /// Runs <paramref name="handler"/> for the query in <paramref name="envelope"/> (its message in memory) on this
    /// thread, whose execution context is <paramref name="ambient"/>; see the remarks on the type.
    /// </summary>
    public ValueTask<TResult> QueryInline<TResult>(
        TransportEndpoint endpoint, QueryHandlerDescriptor<TResult> handler, InlineQueryFrame frame, Envelope envelope, ExecutionContext? ambient, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_abort.IsCancellationRequested)
        {
            frame.Return(); // untouched: the next query may have it
            return ValueTask.FromException<TResult>(new OperationCanceledException($"The bus stopped before '{envelope.Contract}' {envelope.MessageId} was handled."));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            frame.Return();
            return ValueTask.FromCanceled<TResult>(cancellationToken);
        }

        CancellationTokenSource tokens = frame.Tokens;
        CancellationToken token = tokens.Token;
        CancellationTokenRegistration caller = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(s_cancel, tokens) : default;
        ConsumeContext? context = frame.Context;
        MessageContext messageContext;
        if (context is null)
        {
            context = frame.Context = new ConsumeContext(_delivery, envelope, handler, endpoint.Name, token);
            messageContext = frame.MessageContext = context.MessageContext;
        }
        else
        {
            messageContext = frame.MessageContext!;
            context.Recycle(_delivery, envelope, handler, endpoint.Name, token, messageContext);
        }

        // As on a worker's fast path: what the handler changes in the ambient state (AsyncLocal values, Activity.Current)
        // must not reach its caller, as it would not have from another thread. (The caller's context, captured by the
        // bus before the envelope was made, is still the thread's: nothing in between changes it.)
        ValueTask<TResult> handled;
        try
        {
            handled = handler.QueryAsync(messageContext, envelope.Message!, token);
        }
        catch (Exception ex)
        {
            handled = ValueTask.FromException<TResult>(ex);
        }

        if (ambient is not null && !ReferenceEquals(ExecutionContext.Capture(), ambient))
        {
            ExecutionContext.Restore(ambient);
        }

        if (!handled.IsCompletedSuccessfully)
        {
            frame.Abandon();
            return AwaitQueryAsync(handled, context, endpoint, tokens, caller, timeout, cancellationToken);
        }

        TResult result = handled.Result;
        ValueTask disposed;
        try
        {
            disposed = context.EndRecycledAttempt();
        }
        catch (Exception ex)
        {
            disposed = ValueTask.FromException(ex); // a scope that is only IDisposable throws here, not in the task
        }

        caller.Dispose();
        if (!disposed.IsCompletedSuccessfully)
        {
            frame.Abandon();
            return DisposedThenAsync(disposed, context, endpoint, result);
        }

        if (!ReferenceEquals(frame.Envelope, envelope))
        {
            frame.Envelope = envelope;
        }

        frame.Return();
        return new ValueTask<TResult>(result);
    }

    /// <summary>A handler that suspended or failed: its caller waits for it until the timeout or its own cancellation.</summary>
    private async ValueTask<TResult> AwaitQueryAsync<TResult>(
        ValueTask<TResult> handled, ConsumeContext context, TransportEndpoint endpoint, CancellationTokenSource tokens, CancellationTokenRegistration caller,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Its id and send time are drawn now, not at whatever later moment something first reads them.
        context.Envelope.DrawId();

        // The frame is not reused: the handler may still hold its token and contexts. The source has no timer, so it needs no disposal.
        Task<TResult> run = FinishQueryAsync(handled, context, endpoint).AsTask();
        CancellationTokenRegistration abort = run.IsCompleted ? default : _abort.UnsafeRegister(s_cancel, tokens);
        try
        {
            return await run.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The registration made before the handler ran may not have run yet: the caller's source runs its callbacks
            // latest first, so this wait's own can end the query and remove it first.
            await tokens.CancelAsync().ConfigureAwait(false);
            throw;
        }
        catch (TimeoutException ex) when (!(run.IsFaulted && run.Exception?.InnerException == ex))
        {
            // The caller stops waiting, so the handler's work is pointless: its token says so.
            await tokens.CancelAsync().ConfigureAwait(false);
            throw new TimeoutException(
                $"Query '{context.Envelope.Contract}' ({context.Envelope.MessageId}) got no reply within {timeout}. The handler {endpoint.Handler.HandlerName} " +
                "is slow or does not finish (it ran inline, on the caller's thread); raise QueryOptions.Timeout or ContractsOptions.QueryTimeout if that is expected.");
        }
        finally
        {
            // Not DisposeAsync: the caller's cancellation may have run this far inside its own callback, which
            // DisposeAsync would wait for; Dispose sees it is on this thread and does not.
            abort.Dispose();
            caller.Dispose();
        }
    }

    /// <summary>The rest of a suspended or failed handler: its failure logged as a worker logs it, then its scope disposed.</summary>
    private async ValueTask<TResult> FinishQueryAsync<TResult>(ValueTask<TResult> handled, ConsumeContext context, TransportEndpoint endpoint)
    {
        try
        {
            return await handled.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex, endpoint.Handler.HandlerName, context.Envelope.Contract.Name, context.Envelope.MessageId, context.Attempt, endpoint.Name);
            throw;
        }
        finally
        {
            try
            {
                await context.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.ScopeDisposeFailed(_logger, ex, endpoint.Handler.HandlerName, context.Envelope.Contract.Name, context.Envelope.MessageId, endpoint.Name);
            }
        }
    }

    /// <summary>A handler that answered at once but whose scope disposes asynchronously: the answer stands whatever the disposal does.</summary>
    private async ValueTask<TResult> DisposedThenAsync<TResult>(ValueTask disposed, ConsumeContext context, TransportEndpoint endpoint, TResult result)
    {
        try
        {
            await disposed.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.ScopeDisposeFailed(_logger, ex, endpoint.Handler.HandlerName, context.Envelope.Contract.Name, context.Envelope.MessageId, endpoint.Name);
        }

        return result;
    }

    /// <summary>
    /// Runs a query's delivery (its envelope carries the waiting caller's reply) through the whole pipeline, as a
    /// worker would, on this thread: middleware, the <c>process</c> span and the metrics. Completes when the handler
    /// and its scope are done; failures go to the reply, not to the returned task.
    /// </summary>
    public ValueTask ReceiveInline(TransportEndpoint endpoint, Envelope envelope) => ReceiveAsync(endpoint, envelope, InlineDelivery.Instance);

    /// <summary>The delivery control of an inline query: there is nothing to settle, no queue holds it.</summary>
    private sealed class InlineDelivery : IDeliveryControl
    {
        public static readonly InlineDelivery Instance = new();

        public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask AbandonAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken) =>
            ValueTask.FromException(new InvalidOperationException("An inline query is never dead-lettered: its caller gets the failure."));

        public ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken) =>
            ValueTask.FromException(new InvalidOperationException("An inline query is never retried: its caller gets the failure."));
    }
}
