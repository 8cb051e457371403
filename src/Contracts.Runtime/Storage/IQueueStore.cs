using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// The queue role: messages waiting on in-process endpoints, kept so they survive a restart. Each row is claimed by
/// the bus that queues or recovers it; a bus only ever handles rows it holds a claim on. Each row also counts its
/// claims (<see cref="MessageRecord.Deliveries"/>), durably and before any handler runs, so a message whose handler
/// takes the process down is found out after a few restarts.
/// </summary>
public interface IQueueStore
{
    /// <summary>
    /// Stores <paramref name="records"/> in one commit, claimed by <paramref name="claim"/>, with
    /// <see cref="MessageRecord.Deliveries"/> 0 (whatever the records say), and sets their <see cref="MessageRecord.Sequence"/>.
    /// </summary>
    /// <param name="records">The records, one per endpoint the message goes to.</param>
    /// <param name="claim">The sending bus's claim.</param>
    /// <param name="cancellationToken">Cancels the wait (the records may still be committed).</param>
    /// <returns>Completes once committed.</returns>
    ValueTask EnqueueAsync(IReadOnlyList<MessageRecord> records, StoreClaim claim, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> rows of <paramref name="endpoints"/> that nobody holds (released, or their
    /// claim ran out), oldest first, for <paramref name="claim"/>. Two buses claiming at once never get the same row;
    /// rows of other endpoints (another application's, in a shared database) are left alone. The same statement adds 1
    /// to each claimed row's <see cref="MessageRecord.Deliveries"/> and returns the new value (no extra round trip).
    /// </summary>
    /// <param name="endpoints">The endpoints the claiming bus consumes.</param>
    /// <param name="claim">The claim to put on them.</param>
    /// <param name="limit">The most rows to claim.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns>The claimed rows, oldest first.</returns>
    ValueTask<IReadOnlyList<MessageRecord>> ClaimAsync(IReadOnlyCollection<string> endpoints, StoreClaim claim, int limit, CancellationToken cancellationToken);

    /// <summary>Extends every claim of <see cref="StoreClaim.Owner"/> (on queued rows and outbox rows) to <see cref="StoreClaim.Until"/>.</summary>
    /// <param name="claim">The owner and the new end of its claims.</param>
    /// <param name="cancellationToken">Cancels the renewal.</param>
    /// <returns>How many rows the owner holds.</returns>
    ValueTask<int> RenewAsync(StoreClaim claim, CancellationToken cancellationToken);

    /// <summary>
    /// Gives up every claim of <paramref name="owner"/> (a clean stop), so another bus may claim its rows at once; each
    /// released queued row's <see cref="MessageRecord.Deliveries"/> goes down by 1, never below 0 (its claim did not end with the process).
    /// </summary>
    /// <param name="owner">The owner.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns>How many rows were released.</returns>
    ValueTask<int> ReleaseAsync(string owner, CancellationToken cancellationToken);

    /// <summary>
    /// Gives up the claims on <paramref name="records"/> (a bus that could not deliver them): the next claim, by this
    /// bus or another, takes them again. Each row's <see cref="MessageRecord.Deliveries"/> goes down by 1, never below 0.
    /// </summary>
    /// <param name="records">The rows.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken);

    /// <summary>Removes a settled row.</summary>
    /// <param name="record">The row.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask CompleteAsync(MessageRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a failed row's new <see cref="MessageRecord.Attempt"/>, <see cref="MessageRecord.DueAt"/> and failure
    /// details; the row stays claimed and its <see cref="MessageRecord.Deliveries"/> stays as it is.
    /// </summary>
    /// <param name="record">The row.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes once committed.</returns>
    ValueTask RescheduleAsync(MessageRecord record, CancellationToken cancellationToken);
}
