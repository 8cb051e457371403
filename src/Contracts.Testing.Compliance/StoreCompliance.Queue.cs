using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

public abstract partial class StoreCompliance<TFixture>
{
    /// <summary>Queued rows come back whole, in order, to a second owner only once the first released them.</summary>
    [Fact]
    public async Task Queued_rows_are_held_by_their_owner_and_taken_over_whole_after_a_release()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        MessageRecord[] sent = [Record(1), Record(2), Record(3)];
        await first.Queue.EnqueueAsync(sent, Long("a"), Cancel);
        Assert.All(sent, r => Assert.True(r.Sequence > 0, "EnqueueAsync sets each record's sequence"));
        Assert.Equal(3, sent.Select(r => r.Sequence).Distinct().Count());

        Assert.Empty(await second.Queue.ClaimAsync(s_endpoint, Long("b"), 10, Cancel));
        Assert.Equal(3, await first.Queue.ReleaseAsync("a", Cancel));

        IReadOnlyList<MessageRecord> taken = await second.Queue.ClaimAsync(s_endpoint, Long("b"), 10, Cancel);
        Assert.Equal(sent.Select(r => r.Sequence), taken.Select(r => r.Sequence));
        for (int i = 0; i < sent.Length; i++)
        {
            AssertSame(sent[i], taken[i]);
        }

        Assert.Empty(await first.Queue.ClaimAsync(s_endpoint, Long("a"), 10, Cancel));
        Assert.Equal(0, await first.Queue.RenewAsync(Long("a"), Cancel));
    }

    /// <summary>A claim that runs out frees the rows; one renewed in time keeps them.</summary>
    [Fact]
    public async Task An_expired_claim_lets_another_owner_take_over_and_a_renewed_one_does_not()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        TimeSpan shortClaim = TimeSpan.FromMilliseconds(400);
        await first.Queue.EnqueueAsync([Record(1)], ClaimFor("dies", shortClaim), Cancel);
        await first.Queue.EnqueueAsync([Record(2)], ClaimFor("lives", shortClaim), Cancel);

        await Task.Delay(TimeSpan.FromMilliseconds(200), Cancel);
        Assert.Equal(1, await first.Queue.RenewAsync(ClaimFor("lives", TimeSpan.FromMinutes(5)), Cancel));
        Assert.Empty(await second.Queue.ClaimAsync(s_endpoint, Long("b"), 10, Cancel));

        await Task.Delay(TimeSpan.FromMilliseconds(400), Cancel);
        IReadOnlyList<MessageRecord> taken = await second.Queue.ClaimAsync(s_endpoint, Long("b"), 10, Cancel);
        Assert.Equal("key-1", Assert.Single(taken).IdempotencyKey);
        Assert.Equal(0, await first.Queue.RenewAsync(Long("dies"), Cancel));
    }

    /// <summary>Owners claiming at the same time split the rows: none is claimed twice, none is left.</summary>
    [Fact]
    public async Task Owners_claiming_at_once_never_get_the_same_row()
    {
        IMessageStore[] stores = [await OpenAsync(), await OpenAsync(), await OpenAsync()];
        var records = new MessageRecord[120];
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = Record(i);
        }

        await stores[0].Queue.EnqueueAsync(records, Long("sender"), Cancel);
        await stores[0].Queue.ReleaseAsync("sender", Cancel);

        var claimed = new ConcurrentBag<long>();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(owner => Task.Run(async () =>
        {
            IMessageStore store = stores[owner % stores.Length];
            while (true)
            {
                IReadOnlyList<MessageRecord> page = await store.Queue.ClaimAsync(s_endpoint, Long($"owner-{owner}"), 7, Cancel);
                if (page.Count == 0)
                {
                    return;
                }

                foreach (MessageRecord record in page)
                {
                    claimed.Add(record.Sequence);
                }
            }
        }))).WaitAsync(Fixture.Timeout, Cancel);

        Assert.Equal(records.Length, claimed.Count);
        Assert.Equal(records.Select(r => r.Sequence).Order(), claimed.Order());
    }

    /// <summary>Rows an owner gives back one by one are free at once; the rest stay held.</summary>
    [Fact]
    public async Task Rows_released_one_by_one_are_free_and_the_others_stay_held()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        MessageRecord[] rows = [Record(1), Record(2), Record(3)];
        await first.Queue.EnqueueAsync(rows, Long("a"), Cancel);

        await first.Queue.ReleaseAsync([rows[1]], Cancel);

        Assert.Equal(rows[1].Sequence, Assert.Single(await second.Queue.ClaimAsync(s_endpoint, Long("b"), 10, Cancel)).Sequence);
        Assert.Equal(2, await first.Queue.RenewAsync(Long("a"), Cancel));
    }

    /// <summary>A claim takes only the endpoints asked for: another application's rows in a shared database stay free.</summary>
    [Fact]
    public async Task A_claim_takes_only_the_endpoints_it_names()
    {
        IMessageStore store = await OpenAsync();
        await store.Queue.EnqueueAsync([Record(1, "Compliance.Mine"), Record(2, "Compliance.Theirs")], Long("a"), Cancel);
        await store.Queue.ReleaseAsync("a", Cancel);

        IReadOnlyList<MessageRecord> mine = await store.Queue.ClaimAsync(["Compliance.Mine"], Long("b"), 10, Cancel);
        Assert.Equal("Compliance.Mine", Assert.Single(mine).Endpoint);
        Assert.Equal("Compliance.Theirs", Assert.Single(await store.Queue.ClaimAsync(["Compliance.Theirs", "Compliance.Other"], Long("c"), 10, Cancel)).Endpoint);
    }

    /// <summary>A completed row is gone; a rescheduled one keeps its new attempt, due time and failure.</summary>
    [Fact]
    public async Task Complete_removes_a_row_and_reschedule_keeps_the_next_attempt()
    {
        IMessageStore store = await OpenAsync();
        MessageRecord done = Record(1), retried = Record(2);
        await store.Queue.EnqueueAsync([done, retried], Long("a"), Cancel);
        await store.Queue.CompleteAsync(done, Cancel);
        DateTimeOffset due = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        DateTimeOffset firstFailed = DateTimeOffset.FromUnixTimeMilliseconds(1_799_999_999_000);
        retried.Attempt = 3;
        retried.DueAt = due;
        retried.FirstFailedAt = firstFailed;
        retried.LastError = "System.TimeoutException: slow";
        await store.Queue.RescheduleAsync(retried, Cancel);
        await store.Queue.ReleaseAsync("a", Cancel);

        MessageRecord back = Assert.Single(await store.Queue.ClaimAsync(s_endpoint, Long("b"), 10, Cancel));
        Assert.Equal(retried.Sequence, back.Sequence);
        Assert.Equal(3, back.Attempt);
        Assert.Equal(due, back.DueAt);
        Assert.Equal(firstFailed, back.FirstFailedAt);
        Assert.Equal("System.TimeoutException: slow", back.LastError);
    }

    /// <summary>
    /// A claim counts a delivery on the row in the claim itself (durable before any handler runs); a claim that ran out
    /// stays counted (its bus died), a release gives the count back (the row was not handled), a reschedule keeps it.
    /// </summary>
    [Fact]
    public async Task A_claim_counts_a_delivery_that_only_a_release_gives_back()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        MessageRecord crashing = Record(1), waiting = Record(2);
        crashing.Deliveries = 7; // a new row starts at 0, whatever the record says
        await first.Queue.EnqueueAsync([crashing, waiting], Long("sender"), Cancel);
        Assert.Equal(2, await first.Queue.ReleaseAsync("sender", Cancel)); // never claimed: not below 0

        Assert.Equal(1, Assert.Single(await first.Queue.ClaimAsync(s_endpoint, ClaimFor("dies", TimeSpan.FromMilliseconds(300)), 1, Cancel)).Deliveries);
        await Task.Delay(TimeSpan.FromMilliseconds(500), Cancel);
        IReadOnlyList<MessageRecord> taken = await second.Queue.ClaimAsync(s_endpoint, Long("b"), 10, Cancel);
        Assert.Equal([2, 1], taken.Select(r => r.Deliveries)); // the dead bus's claim counts; the other row's first claim

        await second.Queue.ReleaseAsync([taken[0]], Cancel);
        Assert.Equal(1, await second.Queue.ReleaseAsync("b", Cancel));
        taken = await first.Queue.ClaimAsync(s_endpoint, Long("c"), 10, Cancel);
        Assert.Equal([2, 1], taken.Select(r => r.Deliveries)); // both releases gave their claim back

        taken[0].Attempt = 2;
        taken[0].LastError = "System.TimeoutException: slow";
        await first.Queue.RescheduleAsync(taken[0], Cancel);
        await first.Queue.ReleaseAsync("c", Cancel);
        taken = await second.Queue.ClaimAsync(s_endpoint, Long("d"), 10, Cancel);
        Assert.Equal([2, 1], taken.Select(r => r.Deliveries));
        Assert.Equal(2, taken[0].Attempt);
    }
}
