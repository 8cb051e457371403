using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// Leases: one holder at a time per subscription across every process on the database (an asynchronous projection's
/// daemon runs only where its lease is held). A lease is a row with its holder, the end of its claim and a fencing
/// token, a number that grows each time the lease changes hands: work the holder commits is checked against the token
/// in its own transaction (<see cref="HoldsLeaseAsync"/>), so a holder that lost the lease (it stalled past the end of
/// its claim and another process took over) has its transaction refused instead of applied twice.
/// </summary>
public partial interface IEventLogStore
{
    /// <summary>
    /// Takes the lease of <paramref name="subscription"/> for <see cref="StoreClaim.Owner"/> until
    /// <see cref="StoreClaim.Until"/> when nobody holds it (never taken, released, or its claim ran out by the store's
    /// clock), or, with <paramref name="takeOver"/>, even from a live holder (a rebuild). Of two callers at once, at
    /// most one gets it.
    /// </summary>
    /// <param name="subscription">The subscription's name (a projection's).</param>
    /// <param name="claim">The taker and the end of its claim.</param>
    /// <param name="takeOver">Whether to take it from a holder whose claim still runs.</param>
    /// <param name="cancellationToken">Cancels the call (the lease may then have been taken, and runs out unrenewed).</param>
    /// <returns>The lease's new fencing token, larger than any it had before; 0 when another holder keeps it.</returns>
    /// <exception cref="NotSupportedException">The store has no leases.</exception>
    ValueTask<long> AcquireLeaseAsync(string subscription, StoreClaim claim, bool takeOver, CancellationToken cancellationToken) =>
        throw NoLeases();

    /// <summary>
    /// Extends the lease of <paramref name="subscription"/> to <paramref name="until"/> if it is still held with
    /// <paramref name="token"/>: nobody took it since, even if its claim ran out meanwhile.
    /// </summary>
    /// <param name="subscription">The subscription's name.</param>
    /// <param name="token">The fencing token <see cref="AcquireLeaseAsync"/> returned.</param>
    /// <param name="until">The claim's new end.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it is still held (false: another process took it, or it was released).</returns>
    /// <exception cref="NotSupportedException">The store has no leases.</exception>
    ValueTask<bool> RenewLeaseAsync(string subscription, long token, DateTimeOffset until, CancellationToken cancellationToken) =>
        throw NoLeases();

    /// <summary>Gives the lease of <paramref name="subscription"/> up if it is still held with <paramref name="token"/>: another process may take it at once.</summary>
    /// <param name="subscription">The subscription's name.</param>
    /// <param name="token">The fencing token <see cref="AcquireLeaseAsync"/> returned.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Completes when released (or found held by another).</returns>
    /// <exception cref="NotSupportedException">The store has no leases.</exception>
    ValueTask ReleaseLeaseAsync(string subscription, long token, CancellationToken cancellationToken) =>
        throw NoLeases();

    /// <summary>
    /// Whether the lease of <paramref name="subscription"/> is held with <paramref name="token"/>, asked in
    /// <paramref name="transaction"/> (one this store began): when it is, nobody can take the lease over until the
    /// transaction ends, so what it commits is the holder's. A holder calls it before committing, and rolls back on false.
    /// </summary>
    /// <param name="transaction">The holder's transaction.</param>
    /// <param name="subscription">The subscription's name.</param>
    /// <param name="token">The fencing token <see cref="AcquireLeaseAsync"/> returned.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether the lease is still held with that token.</returns>
    /// <exception cref="ArgumentException"><paramref name="transaction"/> is not one of this store's.</exception>
    /// <exception cref="NotSupportedException">The store has no leases.</exception>
    ValueTask<bool> HoldsLeaseAsync(IEventLogTransaction transaction, string subscription, long token, CancellationToken cancellationToken) =>
        throw NoLeases();

    private NotSupportedException NoLeases() => new(
        $"The event log {GetType().Name} has no leases, which keep an asynchronous projection in one process at a time: " +
        "use the in-memory, SQLite or PostgreSQL store for asynchronous projections, or implement IEventLogStore's lease members.");
}
