using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

public abstract partial class StoreCompliance<TFixture>
{
    /// <summary>A projection's lease has one holder across processes until it is released; each taker gets a larger fencing token.</summary>
    [Fact]
    public async Task A_lease_has_one_holder_across_processes_until_released_and_each_taker_gets_a_larger_token()
    {
        IEventLogStore one = (await OpenAsync()).Events;
        IEventLogStore two = (await OpenAsync()).Events;

        long first = await one.AcquireLeaseAsync("summaries", Long("one"), takeOver: false, Cancel);
        Assert.True(first > 0, $"a free lease was refused (token {first})");
        Assert.Equal(0, await two.AcquireLeaseAsync("summaries", Long("two"), takeOver: false, Cancel));
        Assert.Equal(0, await one.AcquireLeaseAsync("summaries", Long("one"), takeOver: false, Cancel)); // not re-entrant: the holder renews
        long other = await two.AcquireLeaseAsync("audit", Long("two"), takeOver: false, Cancel); // leases are per name
        Assert.True(other > 0);

        Assert.True(await one.RenewLeaseAsync("summaries", first, DateTimeOffset.UtcNow.AddMinutes(5), Cancel));
        Assert.False(await two.RenewLeaseAsync("summaries", first + 1, DateTimeOffset.UtcNow.AddMinutes(5), Cancel)); // a token never handed out
        await one.ReleaseLeaseAsync("summaries", first, Cancel);
        Assert.False(await one.RenewLeaseAsync("summaries", first, DateTimeOffset.UtcNow.AddMinutes(5), Cancel)); // released: not held

        long second = await two.AcquireLeaseAsync("summaries", Long("two"), takeOver: false, Cancel);
        Assert.True(second > first, $"the second taker's token {second} is not above the first's {first}");
        await one.ReleaseLeaseAsync("summaries", first, Cancel); // a stale release leaves the new holder alone
        Assert.Equal(0, await one.AcquireLeaseAsync("summaries", Long("one"), takeOver: false, Cancel));
        Assert.True(await two.RenewLeaseAsync("summaries", second, DateTimeOffset.UtcNow.AddMinutes(5), Cancel));
    }

    /// <summary>
    /// A lease whose claim ran out (its holder died or stalled) is taken by another process; the old holder's renewals
    /// and its transactions' checks then fail, while a holder whose claim ran out with nobody taking it still renews.
    /// </summary>
    [Fact]
    public async Task A_lease_whose_claim_ran_out_is_taken_over_and_its_old_holder_is_fenced_out()
    {
        IEventLogStore one = (await OpenAsync()).Events;
        IEventLogStore two = (await OpenAsync()).Events;
        TimeSpan claim = TimeSpan.FromMilliseconds(300);

        long first = await one.AcquireLeaseAsync("summaries", ClaimFor("one", claim), takeOver: false, Cancel);
        Assert.Equal(0, await two.AcquireLeaseAsync("summaries", Long("two"), takeOver: false, Cancel));
        await Task.Delay(claim * 2, Cancel);
        Assert.True(await one.RenewLeaseAsync("summaries", first, DateTimeOffset.UtcNow + claim, Cancel)); // ran out, nobody took it: still its own

        var wait = Stopwatch.StartNew();
        long second;
        while ((second = await two.AcquireLeaseAsync("summaries", Long("two"), takeOver: false, Cancel)) == 0)
        {
            Assert.True(wait.Elapsed < Fixture.Timeout, "the lease was not free after its claim ran out");
            await Task.Delay(50, Cancel);
        }

        Assert.True(wait.Elapsed >= claim / 2, $"the lease was taken {wait.Elapsed} after a renewal of {claim}");
        Assert.True(second > first);
        Assert.False(await one.RenewLeaseAsync("summaries", first, DateTimeOffset.UtcNow.AddMinutes(5), Cancel));
        await using (IEventLogTransaction stale = await one.BeginTransactionAsync(Cancel))
        {
            Assert.False(await one.HoldsLeaseAsync(stale, "summaries", first, Cancel));
        }

        await using IEventLogTransaction current = await two.BeginTransactionAsync(Cancel);
        Assert.True(await two.HoldsLeaseAsync(current, "summaries", second, Cancel));
    }

    /// <summary>A take-over (a rebuild) takes a lease whose holder is alive, and fences that holder out.</summary>
    [Fact]
    public async Task A_take_over_takes_a_live_lease_and_fences_its_holder_out()
    {
        IEventLogStore one = (await OpenAsync()).Events;
        IEventLogStore two = (await OpenAsync()).Events;
        long first = await one.AcquireLeaseAsync("summaries", Long("one"), takeOver: false, Cancel);

        long second = await two.AcquireLeaseAsync("summaries", Long("two"), takeOver: true, Cancel);

        Assert.True(second > first);
        Assert.False(await one.RenewLeaseAsync("summaries", first, DateTimeOffset.UtcNow.AddMinutes(5), Cancel));
        await using IEventLogTransaction stale = await one.BeginTransactionAsync(Cancel);
        Assert.False(await one.HoldsLeaseAsync(stale, "summaries", first, Cancel));
    }

    /// <summary>
    /// A lease checked in an open transaction cannot change hands before that transaction ends: a taker waits for the
    /// commit, and then reads what it committed (the checkpoint), so a holder's batch and its successor's never overlap.
    /// </summary>
    [Fact]
    public async Task A_lease_checked_in_an_open_transaction_cannot_change_hands_before_it_commits()
    {
        IEventLogStore one = (await OpenAsync()).Events;
        IEventLogStore two = (await OpenAsync()).Events;
        long first = await one.AcquireLeaseAsync("summaries", Long("one"), takeOver: false, Cancel);

        Task<long> taker;
        await using (IEventLogTransaction batch = await one.BeginTransactionAsync(Cancel))
        {
            Assert.True(await one.HoldsLeaseAsync(batch, "summaries", first, Cancel));
            taker = Task.Run(async () => await two.AcquireLeaseAsync("summaries", Long("two"), takeOver: true, Cancel), Cancel);
            await Task.Delay(300, Cancel);
            Assert.False(taker.IsCompleted, "the lease changed hands while a transaction that checked it was open");
            await batch.SaveCheckpointAsync("summaries", 42, Cancel);
            await batch.CommitAsync(Cancel);
        }

        long second = await taker.WaitAsync(Fixture.Timeout, Cancel);
        Assert.True(second > first);
        Assert.Equal(42, await two.ReadCheckpointAsync("summaries", Cancel));
    }
}
