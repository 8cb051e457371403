using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Transport.InMemory;

/// <summary>Settles one delivery of a durable queue against its stored record.</summary>
internal sealed class StoredDelivery(InMemoryTransport transport, EndpointQueue queue, MessageRecord record) : IDeliveryControl
{
    private bool _completed;
    private bool _settled;

    /// <summary>Whether a settling call reached the store; one that failed (the database was away) leaves the row claimed by this bus.</summary>
    public bool Settled => _settled;

    public MessageRecord Record => record;

    /// <summary>The delivery right after the send is the first; each claim of the row since (a restart, a take-over) adds one.</summary>
    public int DeliveryCount => record.Deliveries + 1;

    /// <summary>
    /// At most once, the record must be gone before the handler runs, so a crash cannot deliver it twice: that removal
    /// is waited for. Otherwise it joins the next group commit in the background; a crash before it delivers again.
    /// </summary>
    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_completed)
        {
            return ValueTask.CompletedTask;
        }

        _completed = true;
        if (queue.Options.Delivery == DeliveryMode.AtMostOnce)
        {
            return SettleAsync(transport.Store.Queue.CompleteAsync(record, cancellationToken));
        }

        transport.CompleteInBackground(record);
        _settled = true;
        return ValueTask.CompletedTask;
    }

    private async ValueTask SettleAsync(ValueTask settling)
    {
        await settling.ConfigureAwait(false);
        _settled = true;
    }

    /// <summary>
    /// The record stays in the store, released: the next take-over (here while running, or the next bus) delivers it
    /// again. A settle that failed before (a dead letter or removal while the store was away) settled nothing, so the
    /// row is released then too; otherwise this bus's renewals would keep it claimed, and undelivered, until it stopped.
    /// </summary>
    public ValueTask AbandonAsync(CancellationToken cancellationToken)
    {
        if (_settled)
        {
            return ValueTask.CompletedTask;
        }

        _completed = true;
        return SettleAsync(transport.Store.Queue.ReleaseAsync([record], cancellationToken));
    }

    /// <summary>The letter is added and the queued record removed in one commit.</summary>
    public async ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        _completed = true;
        var stored = new DeadLetter
            {
                Message = record,
                Reason = letter.Reason,
                ExceptionType = letter.ExceptionType,
                ExceptionMessage = letter.ExceptionMessage,
                StackTrace = letter.StackTrace,
                Attempts = letter.Attempts,
                FirstFailedAt = record.FirstFailedAt ?? letter.FirstFailedAt,
                LastFailedAt = letter.LastFailedAt,
            };
        await transport.Store.DeadLetters.AddAsync(stored, cancellationToken).ConfigureAwait(false);
        letter.Id = stored.Id;
        _settled = true;
    }

    public async ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken)
    {
        record.Attempt = retry.Attempt;
        record.DueAt = retry.DeliverAt;
        record.FirstFailedAt ??= firstFailedAt;
        record.LastError = $"{error.GetType().FullName}: {error.Message}";
        await transport.Store.Queue.RescheduleAsync(record, cancellationToken).ConfigureAwait(false);
        _settled = true;
        await transport.RetryLaterAsync(new InMemoryDelivery(retry, record), queue, cancellationToken).ConfigureAwait(false);
    }
}
