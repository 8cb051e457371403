using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// The saga state role: one row per saga instance, saved with optimistic concurrency. Inside a consume transaction
/// (<see cref="DeliveryMode.EffectivelyOnce"/> on a store with <see cref="StoreCapabilities.ConsumeTransactions"/>) a
/// load and a save join it, so the state change, the inbox key and the outgoing messages (outbox rows) commit
/// together; a store may lock the row at the load there. Every store passes <c>SagaStoreCompliance</c>.
/// </summary>
public interface ISagaStore
{
    /// <summary>The instance <paramref name="sagaId"/> of <paramref name="saga"/>, or <see langword="null"/> when none was saved.</summary>
    /// <param name="saga">The saga's stored name.</param>
    /// <param name="sagaId">The instance id.</param>
    /// <param name="transaction">The delivery's consume transaction, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The stored instance.</returns>
    ValueTask<SagaRecord?> LoadAsync(string saga, string sagaId, IConsumeTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>
    /// Saves <paramref name="record"/> if the stored version is still <paramref name="expectedVersion"/> (0: no row
    /// exists yet), with <see cref="SagaRecord.Version"/> one more.
    /// </summary>
    /// <param name="record">The instance after the step.</param>
    /// <param name="expectedVersion">The version the step read.</param>
    /// <param name="transaction">The delivery's consume transaction, or <see langword="null"/> to commit at once.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when written (committed, without a transaction).</returns>
    /// <exception cref="SagaConcurrencyException">Another step saved first; nothing was written.</exception>
    ValueTask SaveAsync(SagaRecord record, long expectedVersion, IConsumeTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the delayed messages <paramref name="messageIds"/> (the timeouts an instance asked for and had not had back
    /// when it ended) wherever this store keeps them: queued rows waiting for their due time, and outbox rows not yet
    /// relayed. In <paramref name="transaction"/> when given, so the cancel commits with the final state; an id with no
    /// row (relayed to a broker, already delivered) is skipped.
    /// </summary>
    /// <param name="messageIds">The timeouts' message ids.</param>
    /// <param name="transaction">The delivery's consume transaction, or <see langword="null"/> to commit at once.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>How many rows were deleted.</returns>
    ValueTask<int> CancelTimeoutsAsync(IReadOnlyList<Guid> messageIds, IConsumeTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>Instances of <paramref name="saga"/>, oldest update first, for inspection.</summary>
    /// <param name="saga">The saga's stored name.</param>
    /// <param name="status">Only instances with this status, or <see langword="null"/> for all.</param>
    /// <param name="offset">How many to skip.</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page.</returns>
    ValueTask<IReadOnlyList<SagaRecord>> ListAsync(string saga, SagaStatus? status, int offset, int limit, CancellationToken cancellationToken);
}
