using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// Where the bus keeps what must outlive a delivery, in roles: <see cref="Queue"/> (durable in-process endpoints),
/// <see cref="Inbox"/>, <see cref="Outbox"/>, <see cref="DeadLetters"/>, <see cref="Sagas"/>, <see cref="Schedules"/>, the event log (<see cref="Events"/>) and its <see cref="Snapshots"/>. Rows are claimed with an expiring
/// <see cref="StoreClaim"/>, so several processes may share one database and take over the work of one that died.
/// A store package (for example <c>Contracts.Storage.Sqlite</c>) implements it and is turned on with
/// <see cref="ContractsOptions.UseStore"/>; without one, an in-memory store keeps everything for the life of the
/// process. Every store passes the store compliance suite in <c>Contracts.Testing.Compliance</c>.
/// </summary>
public interface IMessageStore : IAsyncDisposable
{
    /// <summary>What the store does: whether it survives a restart, whether it has consume transactions.</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>Queued messages of in-process endpoints.</summary>
    IQueueStore Queue { get; }

    /// <summary>Handled idempotency keys.</summary>
    IInboxStore Inbox { get; }

    /// <summary>Messages waiting to be relayed.</summary>
    IOutboxStore Outbox { get; }

    /// <summary>Messages that failed for good.</summary>
    IDeadLetterStore DeadLetters { get; }

    /// <summary>The event log: append-only streams of events (what <see cref="EventSourcing.IEventStore"/> reads and writes).</summary>
    IEventLogStore Events { get; }

    /// <summary>Snapshots of aggregates' streams (see <see cref="ISnapshotStore"/>), beside the event log.</summary>
    ISnapshotStore Snapshots { get; }

    /// <summary>Saga instances (see <see cref="ISagaStore"/>), with the delete of an ended saga's timeouts.</summary>
    ISagaStore Sagas { get; }

    /// <summary>Recurring and one-off scheduled commands (see <see cref="IScheduleStore"/>).</summary>
    IScheduleStore Schedules { get; }

    /// <summary>Creates what the store needs (tables, files).</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>Completes when the store is ready.</returns>
    ValueTask InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts a transaction in which a handler's own work and the inbox key commit together (with
    /// <see cref="StoreCapabilities.ConsumeTransactions"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="NotSupportedException">The store has no consume transactions.</exception>
    ValueTask<IConsumeTransaction> BeginConsumeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="wake"/> whenever the store hears that work of the kind <paramref name="work"/> may have
    /// become free for this bus (rows another bus released when it stopped, outbox rows another process committed), so
    /// the bus's take-over and relay loops look at once instead of at their next poll, and neither is woken for the
    /// other's work. A store that cannot tell (the default) never calls it, and the loops poll.
    /// </summary>
    /// <param name="work">The kinds of work the caller takes.</param>
    /// <param name="wake">Called on the store's thread; must return quickly.</param>
    /// <returns>Ends the registration.</returns>
    IDisposable OnWork(StoreWork work, Action wake) => NoWakeUps.Instance;

    /// <summary>
    /// Asks the store one cheap question now (a health check's "is the store reachable?"): completes when it answered,
    /// throws with what is wrong when it did not. A store that does not override it reads one page of one dead letter.
    /// </summary>
    /// <param name="cancellationToken">Cancels the question (a health check's timeout).</param>
    /// <returns>Completes when the store answered.</returns>
    async ValueTask PingAsync(CancellationToken cancellationToken) =>
        await DeadLetters.ListAsync(0, 1, cancellationToken).ConfigureAwait(false);
}

/// <summary>The registration of a store that never wakes anyone.</summary>
internal sealed class NoWakeUps : IDisposable
{
    public static readonly NoWakeUps Instance = new();

    public void Dispose()
    {
    }
}
