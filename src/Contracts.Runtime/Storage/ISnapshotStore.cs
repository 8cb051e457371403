using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// The snapshot role of a store: at most one snapshot per stream, the newest. A snapshot only saves time (a load reads
/// it and the events after it instead of the whole stream), so a lost or ignored one costs speed, never correctness:
/// the events stay the truth. Every store passes the snapshot part of the store compliance suite.
/// </summary>
public interface ISnapshotStore
{
    /// <summary>The snapshot of <paramref name="streamId"/>, or <see langword="null"/> when none was saved.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The snapshot.</returns>
    ValueTask<SnapshotRecord?> ReadAsync(string streamId, CancellationToken cancellationToken);

    /// <summary>
    /// Saves <paramref name="snapshot"/> in place of the stream's snapshot, unless the stored one is of a later version
    /// (two writers racing keep the newer; a snapshot of the same version replaces it, so a changed state shape is
    /// written over).
    /// </summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when written.</returns>
    ValueTask SaveAsync(SnapshotRecord snapshot, CancellationToken cancellationToken);

    /// <summary>
    /// Saves <paramref name="snapshot"/> as <see cref="SaveAsync(SnapshotRecord, CancellationToken)"/> does, inside a
    /// delivery's consume transaction (an aggregate saved by an <see cref="DeliveryMode.EffectivelyOnce"/> handler or a
    /// saga step, whose events are appended in it): it is kept only if the delivery commits, and a failure to write it
    /// undoes the snapshot only.
    /// </summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="transaction">The delivery's consume transaction, begun by this store.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when written (not yet committed).</returns>
    /// <exception cref="System.NotSupportedException">The store cannot write snapshots in a consume transaction.</exception>
    ValueTask SaveAsync(SnapshotRecord snapshot, IConsumeTransaction transaction, CancellationToken cancellationToken) =>
        throw new System.NotSupportedException($"The snapshot store {GetType().Name} cannot write in a consume transaction.");

    /// <summary>Removes the snapshot of <paramref name="streamId"/>, if any.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when removed.</returns>
    ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken);
}
