using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts.Pipeline;

internal sealed partial class ConsumePipeline
{
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
    /// time in this process: a copy that arrives while another is being handled (concurrent workers, a redelivery
    /// racing the original) waits for it, and then meets the inbox like any later copy.
    /// </summary>
    private ValueTask<Outcome> ConsumeAsync(ConsumeContext context, TransportEndpoint endpoint, IDeliveryControl control, ValueTask? started) =>
        endpoint.Options.Delivery == DeliveryMode.EffectivelyOnce
            ? ConsumeOneKeyAtATimeAsync(context, endpoint, control)
            : ConsumeOnceAsync(context, endpoint, control, inboxKey: null, started);

    private async ValueTask<Outcome> ConsumeOneKeyAtATimeAsync(ConsumeContext context, TransportEndpoint endpoint, IDeliveryControl control)
    {
        Envelope envelope = context.Envelope;
        string inboxKey = envelope.IdempotencyKey ?? envelope.MessageId.ToString("N");
        (string, string) claim = (endpoint.Name, inboxKey);
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_handling.TryAdd(claim, mine))
        {
            if (_handling.TryGetValue(claim, out TaskCompletionSource? other))
            {
                try
                {
                    await other.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_abort.IsCancellationRequested)
                {
                    Log.NotHandled(_logger, endpoint.Name, envelope.MessageId, envelope.Contract.Name);
                    return Outcome.Abandoned;
                }
            }
        }

        try
        {
            return await ConsumeOnceAsync(context, endpoint, control, inboxKey).ConfigureAwait(false);
        }
        finally
        {
            _handling.TryRemove(new KeyValuePair<(string, string), TaskCompletionSource>(claim, mine));
            mine.TrySetResult();
        }
    }

    /// <summary>
    /// The inbox, the attempts the endpoint's retry policy allows, and then success (completed), a delayed retry
    /// (rescheduled) or dead letters. <paramref name="started"/> is the first attempt, when the fast path has started it.
    /// </summary>
    private async ValueTask<Outcome> ConsumeOnceAsync(ConsumeContext context, TransportEndpoint endpoint, IDeliveryControl control, string? inboxKey, ValueTask? started = null)
    {
        Envelope envelope = context.Envelope;
        EndpointOptions options = endpoint.Options;
        CancellationToken token = context.CancellationToken;
        bool completed = false;
        if (options.Delivery == DeliveryMode.AtMostOnce)
        {
            // At most once: the message is gone before the handler runs, so a crash cannot deliver it twice.
            await control.CompleteAsync(token).ConfigureAwait(false);
            completed = true;
        }

        DateTimeOffset? firstFailure = null;
        RetryPolicy policy = options.Retry;
        int perRound = options.Delivery == DeliveryMode.AtMostOnce ? 1 : policy.ImmediateRetries + 1;
        while (true)
        {
            context.WroteOutbox = false;
            IConsumeTransaction? transaction = inboxKey is null || !_consumeTransactions ? null : await _store.BeginConsumeAsync(token).ConfigureAwait(false);
            try
            {
                if (inboxKey is not null &&
                    (transaction is null
                        ? await _store.Inbox.ContainsAsync(endpoint.Name, inboxKey, token).ConfigureAwait(false)
                        : await transaction.IsInInboxAsync(endpoint.Name, inboxKey, token).ConfigureAwait(false)))
                {
                    Log.Duplicate(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, inboxKey);
                    await CompleteOnceAsync(control, completed, token).ConfigureAwait(false);
                    return Outcome.Duplicate;
                }

                context.Transaction = transaction;
                ValueTask attempt = started ?? _pipeline(context);
                started = null;
                await attempt.ConfigureAwait(false);
                if (transaction is not null)
                {
                    try
                    {
                        await transaction.CommitAsync(endpoint.Name, inboxKey!, token).ConfigureAwait(false);
                    }
                    catch (DuplicateMessageException)
                    {
                        // Another delivery of the same key committed while this one ran: its work is rolled back.
                        Log.Duplicate(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, inboxKey!);
                        await CompleteOnceAsync(control, completed, token).ConfigureAwait(false);
                        return Outcome.Duplicate;
                    }

                    if (context.WroteOutbox)
                    {
                        _wakeRelay();
                    }
                }
                else if (inboxKey is not null)
                {
                    await _store.Inbox.AddAsync(endpoint.Name, inboxKey, token).ConfigureAwait(false);
                }

                await CompleteOnceAsync(control, completed, token).ConfigureAwait(false);
                return Outcome.Handled;
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                // Stopped without time to finish: the transport keeps the message for the next start when it can.
                Log.NotHandled(_logger, endpoint.Name, envelope.MessageId, envelope.Contract.Name);
                return Outcome.Abandoned;
            }
            catch (Exception ex)
            {
                if (transaction is not null)
                {
                    await DisposeQuietlyAsync(transaction).ConfigureAwait(false);
                    transaction = null;
                }

                DateTimeOffset now = _time.GetUtcNow();
                firstFailure ??= now;
                if (ex is UnreadableMessageException)
                {
                    Log.Unreadable(_logger, ex, envelope.MessageId, endpoint.Name, envelope.Contract.Name, ex.Message);
                    await DeadLetterAsync(endpoint, envelope, control, DeadLetterReason.Unreadable, ex, attempts: 0, firstFailure.Value, now, token).ConfigureAwait(false);
                    return Outcome.DeadLettered;
                }

                Log.HandlerFailed(_logger, ex, context.Handler.HandlerName, envelope.Contract.Name, envelope.MessageId, context.Attempt, endpoint.Name);
                bool retryable = options.Delivery != DeliveryMode.AtMostOnce && policy.IsRetryable(ex);
                int round = (context.Attempt - 1) / perRound;
                if (retryable && (context.Attempt - 1) % perRound < perRound - 1)
                {
                    ContractsTelemetry.Retried.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
                    await context.BeginAttempt().ConfigureAwait(false);
                    continue;
                }

                if (retryable && round < policy.DelayedRetries)
                {
                    TimeSpan delay = policy.DelayFor(round, Random.Shared.NextDouble());
                    Envelope retry = envelope.ForAttempt(((round + 1) * perRound) + 1, now + delay);
                    Log.RetryScheduled(_logger, retry.MessageId, retry.Contract.Name, endpoint.Name, retry.Attempt, delay);
                    ContractsTelemetry.Retried.Add(1, ContractsTelemetry.ContractTag(retry.Contract));
                    await RescheduleAsync(endpoint, control, retry, firstFailure.Value, ex, token).ConfigureAwait(false);
                    return Outcome.Rescheduled;
                }

                await DeadLetterAsync(endpoint, envelope, control, DeadLetterReason.Failed, ex, context.Attempt, firstFailure.Value, now, token).ConfigureAwait(false);
                return Outcome.DeadLettered;
            }
            finally
            {
                context.Transaction = null;
                if (transaction is not null)
                {
                    await DisposeQuietlyAsync(transaction).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The transport holds the retry when it can; otherwise the store's scheduler does, and the delivery is completed.</summary>
    private async ValueTask RescheduleAsync(TransportEndpoint endpoint, IDeliveryControl control, Envelope retry, DateTimeOffset firstFailure, Exception error, CancellationToken cancellationToken)
    {
        if (_scheduler is null)
        {
            await control.RescheduleAsync(retry, firstFailure, error, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _scheduler.ScheduleAsync(retry, endpoint, cancellationToken).ConfigureAwait(false);
        await control.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static ValueTask CompleteOnceAsync(IDeliveryControl control, bool completed, CancellationToken cancellationToken) =>
        completed ? ValueTask.CompletedTask : control.CompleteAsync(cancellationToken);

    /// <summary>A message whose envelope cannot be read: dead-lettered at once with the reason, counted, and the consumer goes on.</summary>
    private async ValueTask UnreadableAsync(TransportEndpoint endpoint, MessageRecord message, DeadLetterReason reason, string error, IDeliveryControl control)
    {
        message.Endpoint = endpoint.Name;
        Log.UnreadableReceived(_logger, message.MessageId.ToString(), endpoint.Name, reason, error);
        var tags = new KeyValuePair<string, object?>("contracts.contract", message.ContractName);
        ContractsTelemetry.Failed.Add(1, tags, ContractsTelemetry.EndpointTag(endpoint.Name));
        DateTimeOffset now = _time.GetUtcNow();
        DeadLetter letter = DeadLetter.From(message, reason, new UnreadableMessageException(error), attempts: 0, now, now);
        await SettleDeadLetterAsync(control, letter, CancellationToken.None).ConfigureAwait(false);
        ContractsTelemetry.DeadLettered.Add(1, tags);
    }

    private async ValueTask DeadLetterAsync(
        TransportEndpoint endpoint, Envelope envelope, IDeliveryControl control, DeadLetterReason reason, Exception error, int attempts,
        DateTimeOffset firstFailure, DateTimeOffset lastFailure, CancellationToken cancellationToken)
    {
        DeadLetter letter = DeadLetter.From(MessageRecord.FromEnvelope(envelope, endpoint.Name, envelope.PayloadForStore()), reason, error, attempts, firstFailure, lastFailure);
        await SettleDeadLetterAsync(control, letter, cancellationToken).ConfigureAwait(false);
        ContractsTelemetry.DeadLettered.Add(1, ContractsTelemetry.ContractTag(envelope.Contract));
        Log.DeadLettered(_logger, envelope.MessageId, envelope.Contract.Name, endpoint.Name, reason, attempts, letter.Id);
    }

    /// <summary>The transport's own dead letters when it has them; otherwise the store keeps the letter and the delivery is completed.</summary>
    private async ValueTask SettleDeadLetterAsync(IDeliveryControl control, DeadLetter letter, CancellationToken cancellationToken)
    {
        if (_nativeDeadLetters)
        {
            await control.DeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _store.DeadLetters.AddAsync(letter, cancellationToken).ConfigureAwait(false);
        await control.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

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
