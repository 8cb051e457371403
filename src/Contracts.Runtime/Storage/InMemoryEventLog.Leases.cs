using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>
/// Leases of the in-memory log, for the buses of one process that share one store. Taking a lease waits for the
/// writer's turn, which a transaction holds from its start to its end: a lease checked in an open transaction cannot
/// change hands before it commits.
/// </summary>
internal sealed partial class InMemoryEventLog
{
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    public async ValueTask<long> AcquireLeaseAsync(string subscription, StoreClaim claim, bool takeOver, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (!_leases.TryGetValue(subscription, out Lease? lease))
                {
                    _leases[subscription] = lease = new Lease();
                }
                else if (lease.Owner is not null && lease.Until >= time.GetUtcNow() && !takeOver)
                {
                    return 0;
                }

                lease.Owner = claim.Owner;
                lease.Until = claim.Until;
                return ++lease.Token;
            }
        }
        finally
        {
            _writer.Release();
        }
    }

    public ValueTask<bool> RenewLeaseAsync(string subscription, long token, DateTimeOffset until, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Held(subscription, token) is not { } lease)
            {
                return ValueTask.FromResult(false);
            }

            lease.Until = until;
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask ReleaseLeaseAsync(string subscription, long token, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Held(subscription, token) is { } lease)
            {
                lease.Owner = null;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> HoldsLeaseAsync(IEventLogTransaction transaction, string subscription, long token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (transaction is not Transaction)
        {
            throw new ArgumentException($"The transaction is a {transaction.GetType().Name}, not one of the in-memory event log's.", nameof(transaction));
        }

        lock (_gate)
        {
            return ValueTask.FromResult(Held(subscription, token) is not null);
        }
    }

    private Lease? Held(string subscription, long token) =>
        _leases.TryGetValue(subscription, out Lease? lease) && lease.Token == token && lease.Owner is not null ? lease : null;

    private sealed class Lease
    {
        public string? Owner { get; set; }

        public DateTimeOffset Until { get; set; }

        public long Token { get; set; }
    }
}
