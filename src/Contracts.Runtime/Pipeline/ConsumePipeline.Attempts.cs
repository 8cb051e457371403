using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Pipeline.Steps;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts.Pipeline;

internal sealed partial class ConsumePipeline
{
    /// <summary>How many times one attempt runs again after the store failed it (<see cref="IConsumeTransaction.RunsAgain"/>) before it counts as failed.</summary>
    private const int MaxReruns = 16;

    private enum Outcome
    {
        Handled,
        Duplicate,
        Rescheduled,
        DeadLettered,
        Abandoned,
    }

    /// <summary>
    /// One delivery of a command or event. On an effectively-once endpoint, deliveries of one inbox key run one at a
    /// time in this process: a copy that arrives while another is being handled waits for it, then meets the inbox.
    /// </summary>
    private async ValueTask<Outcome> ConsumeAsync(ConsumeContext context, TransportEndpoint endpoint, IDeliveryControl control, ValueTask? started)
    {
        if (endpoint.Options.Delivery != DeliveryMode.EffectivelyOnce)
        {
            return await ConsumeOnceAsync(context, endpoint, control, inboxKey: null, started).ConfigureAwait(false);
        }

        Envelope envelope = context.Envelope;
        if (!TryInboxKey(context, out string? inboxKey, out string? forged))
        {
            DateTimeOffset now = _time.GetUtcNow();
            await _deadLetters.DeadLetterAsync(
                endpoint, envelope, control, completed: false, DeadLetterReason.Unreadable, new UnreadableMessageException(forged!), attempts: 0, now, now, context.CancellationToken).ConfigureAwait(false);
            return Outcome.DeadLettered;
        }

        InboxStep.KeyGate gate;
        try
        {
            gate = await _inbox.EnterAsync(endpoint.Name, inboxKey, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            Log.NotHandled(_logger, endpoint.Name, envelope.MessageId, envelope.Contract.Name);
            return Outcome.Abandoned;
        }

        try
        {
            return await ConsumeOnceAsync(context, endpoint, control, inboxKey).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The inbox key of a delivery. A message that came as bytes has its key computed from its payload when its contract
    /// declares key members: a header cannot make a different message vanish as a duplicate, and a copy without the
    /// header is still one. A header that disagrees with the payload is refused; without key members the message id is the key.
    /// </summary>
    private bool TryInboxKey(ConsumeContext context, [NotNullWhen(true)] out string? key, [NotNullWhen(false)] out string? refused)
    {
        Envelope envelope = context.Envelope;
        refused = null;
        if (envelope.Message is null)
        {
            string? derived;
            try
            {
                derived = envelope.Contract.GetIdempotencyKey(context.Message ??= _handler.ReadMessage(envelope));
            }
            catch (UnreadableMessageException)
            {
                // Not readable: the attempt meets the same error and dead-letters it; the id keys it meanwhile.
                key = envelope.MessageId.ToString("N");
                return true;
            }

            if (derived is not null && envelope.IdempotencyKey is { } claimed && !string.Equals(claimed, derived, StringComparison.Ordinal))
            {
                key = null;
                refused = $"The idempotency key header '{claimed}' does not match the key of the payload ('{derived}'): the message is refused rather than taken for another.";
                return false;
            }

            key = derived ?? envelope.MessageId.ToString("N");
            return true;
        }

        key = envelope.IdempotencyKey ?? envelope.MessageId.ToString("N");
        return true;
    }

    /// <summary>
    /// The attempts of one delivery, each in its own consume transaction when the endpoint has an inbox: the inbox check,
    /// the handler, the key recorded with the handler's work; then success (completed), a delayed retry or dead letters.
    /// <paramref name="started"/> is the first attempt, when the fast path has started it.
    /// </summary>
    private async ValueTask<Outcome> ConsumeOnceAsync(ConsumeContext context, TransportEndpoint endpoint, IDeliveryControl control, string? inboxKey, ValueTask? started = null)
    {
        Envelope envelope = context.Envelope;
        CancellationToken token = context.CancellationToken;
        bool completed = false;
        if (endpoint.Options.Delivery == DeliveryMode.AtMostOnce)
        {
            // At most once: the message is gone before the handler runs, so a crash cannot deliver it twice.
            await control.CompleteAsync(token).ConfigureAwait(false);
            completed = true;
        }

        DateTimeOffset? firstFailure = null;
        int conflicts = 0, reruns = 0;
        while (true)
        {
            context.WroteOutbox = false;
            context.AppendedTo = null;
            IConsumeTransaction? transaction = inboxKey is null ? null : await _inbox.BeginAsync(token).ConfigureAwait(false);
            Outcome done;
            try
            {
                if (inboxKey is not null && await _inbox.SeenAsync(transaction, endpoint.Name, inboxKey, token).ConfigureAwait(false))
                {
                    Log.Duplicate(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, inboxKey);
                    done = Outcome.Duplicate;
                }
                else
                {
                    context.Transaction = transaction;
                    ValueTask attempt = started ?? _chain(context);
                    started = null;
                    await attempt.ConfigureAwait(false);
                    done = inboxKey is null ? Outcome.Handled : await RecordAsync(context, endpoint, transaction, inboxKey, token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                // Stopped without time to finish: the transport keeps the message for the next start when it can.
                Log.NotHandled(_logger, endpoint.Name, envelope.MessageId, envelope.Contract.Name);
                return Outcome.Abandoned;
            }
            catch (Exception ex)
            {
                bool again = false;
                if (transaction is not null)
                {
                    again = transaction.RunsAgain(ex) && ++reruns <= MaxReruns;
                    await DisposeQuietlyAsync(transaction).ConfigureAwait(false);
                    transaction = null;
                }

                if (again)
                {
                    // The store failed the attempt, not the handler (a deadlock victim, a lost connection): the same
                    // attempt runs again, not a retry, so the endpoint's retry policy is not spent on it.
                    Log.RunAgain(_logger, ex, envelope.MessageId, envelope.Contract.Name, endpoint.Name, context.Attempt);
                    await context.BeginRerun().ConfigureAwait(false);
                    continue;
                }

                DateTimeOffset now = _time.GetUtcNow();
                firstFailure ??= now;
                if (ex is UnreadableMessageException)
                {
                    Log.Unreadable(_logger, ex, envelope.MessageId, endpoint.Name, envelope.Contract.Name, ex.Message);
                    await _deadLetters.DeadLetterAsync(endpoint, envelope, control, completed, DeadLetterReason.Unreadable, ex, attempts: 0, firstFailure.Value, now, token).ConfigureAwait(false);
                    return Outcome.DeadLettered;
                }

                if (ex is SagaConcurrencyException && ++conflicts <= Sagas.SagaStepDescriptorLimits.MaxConflicts)
                {
                    // A saga step lost a race in its transaction (rolled back): run it again at once, outside the retry policy.
                    await context.BeginAttempt().ConfigureAwait(false);
                    continue;
                }

                Log.HandlerFailed(_logger, ex, context.Handler.HandlerName, envelope.Contract.Name, envelope.MessageId, context.Attempt, endpoint.Name);
                context.ErrorType = ex.GetType().FullName;
                TelemetryStep.Failed(ex);
                RetryDecision next = RetryStep.Decide(endpoint.Options, context.Attempt, ex, Random.Shared.NextDouble(), envelope.Contract.HasPartitionKey);
                switch (next.Action)
                {
                    case RetryAction.Immediate:
                        ContractsTelemetry.Retried.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
                        await context.BeginAttempt().ConfigureAwait(false);
                        continue;
                    case RetryAction.Delayed:
                        Envelope retry = envelope.ForAttempt(next.NextAttempt, now + next.Delay);
                        Log.RetryScheduled(_logger, retry.MessageId, retry.Contract.Name, endpoint.Name, retry.Attempt, next.Delay);
                        ContractsTelemetry.Retried.Add(1, ContractsTelemetry.ContractTag(retry.Contract));
                        await RescheduleAsync(endpoint, control, retry, firstFailure.Value, ex, token).ConfigureAwait(false);
                        return Outcome.Rescheduled;
                    default:
                        await _deadLetters.DeadLetterAsync(endpoint, envelope, control, completed, DeadLetterReason.Failed, ex, context.Attempt, firstFailure.Value, now, token).ConfigureAwait(false);
                        return Outcome.DeadLettered;
                }
            }
            finally
            {
                context.Transaction = null;
                if (transaction is not null)
                {
                    await DisposeQuietlyAsync(transaction).ConfigureAwait(false);
                }
            }

            // Settled after the attempt, not inside it: a transport that fails to settle is not a failed handler.
            await CompleteOnceAsync(control, completed, token).ConfigureAwait(false);
            return done;
        }
    }

    /// <summary>Records the inbox key with the handler's work; a key another delivery committed first makes this one a duplicate.</summary>
    private async ValueTask<Outcome> RecordAsync(ConsumeContext context, TransportEndpoint endpoint, IConsumeTransaction? transaction, string inboxKey, CancellationToken cancellationToken)
    {
        try
        {
            await _inbox.RecordAsync(transaction, endpoint.Name, inboxKey, cancellationToken).ConfigureAwait(false);
        }
        catch (DuplicateMessageException)
        {
            // Another delivery of the same key committed while this one ran: its work is rolled back.
            Log.Duplicate(_logger, context.Envelope.MessageId, context.Envelope.Contract.Name, endpoint.Name, inboxKey);
            return Outcome.Duplicate;
        }

        if (context.WroteOutbox)
        {
            _wakeRelay();
        }

        context.AppendedTo?.SignalAppended();

        return Outcome.Handled;
    }

    /// <summary>The transport holds the retry when it can (natively, or this delivery's: <see cref="IDeliveryControl.HoldsRetries"/>); otherwise the store's scheduler does, and the delivery is completed.</summary>
    private async ValueTask RescheduleAsync(TransportEndpoint endpoint, IDeliveryControl control, Envelope retry, DateTimeOffset firstFailure, Exception error, CancellationToken cancellationToken)
    {
        if (_scheduler is null || control.HoldsRetries)
        {
            await control.RescheduleAsync(retry, firstFailure, error, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _scheduler.ScheduleAsync(retry, endpoint, cancellationToken).ConfigureAwait(false);
        await control.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static ValueTask CompleteOnceAsync(IDeliveryControl control, bool completed, CancellationToken cancellationToken) =>
        completed ? ValueTask.CompletedTask : control.CompleteAsync(cancellationToken);

    private async ValueTask DisposeQuietlyAsync(IConsumeTransaction transaction)
    {
        try
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.StoreFailed(_logger, ex, "rolling back a consume transaction");
        }
    }
}
