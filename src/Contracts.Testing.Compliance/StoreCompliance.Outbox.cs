using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

public abstract partial class StoreCompliance<TFixture>
{
    /// <summary>Two relays split the committed rows; a relayed row is never claimed again and is cleaned up after the retention.</summary>
    [Fact]
    public async Task Relays_claim_outbox_rows_once_and_relayed_rows_are_cleaned_up()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        MessageRecord[] rows = [Record(1, ""), Record(2, ""), Record(3, "")];
        foreach (MessageRecord row in rows)
        {
            await Fixture.CommitToOutboxAsync(first, row).WaitAsync(Fixture.Timeout, Cancel);
        }

        IReadOnlyList<MessageRecord> a = await first.Outbox.ClaimAsync(Long("relay-a"), 2, Cancel);
        IReadOnlyList<MessageRecord> b = await second.Outbox.ClaimAsync(Long("relay-b"), 10, Cancel);
        Assert.Equal(["key-1", "key-2"], a.Select(r => r.IdempotencyKey));
        Assert.Equal("key-3", Assert.Single(b).IdempotencyKey);
        AssertSame(rows[0], a[0]);

        await first.Outbox.MarkRelayedAsync(a, Cancel);
        Assert.Equal(0, await first.Queue.RenewAsync(Long("relay-a"), Cancel)); // relayed rows hold no claim
        await second.Outbox.ReleaseAsync(b, Cancel); // relay b could not send its row: it is free again
        await first.Queue.ReleaseAsync("relay-a", Cancel);
        Assert.Equal("key-3", Assert.Single(await first.Outbox.ClaimAsync(Long("relay-c"), 10, Cancel)).IdempotencyKey);

        Assert.Equal(0, await first.Outbox.CleanUpAsync(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1), Cancel));
        Assert.Equal(2, await first.Outbox.CleanUpAsync(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1), Cancel));
    }

    /// <summary>A relay that dies holding rows leaves them to the next relay once its claim runs out.</summary>
    [Fact]
    public async Task Outbox_rows_of_a_relay_that_died_are_claimed_again_after_its_claim_runs_out()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        await Fixture.CommitToOutboxAsync(first, Record(1, "")).WaitAsync(Fixture.Timeout, Cancel);
        Assert.Single(await first.Outbox.ClaimAsync(ClaimFor("dies", TimeSpan.FromMilliseconds(300)), 10, Cancel));
        Assert.Empty(await second.Outbox.ClaimAsync(Long("next"), 10, Cancel));

        await Task.Delay(TimeSpan.FromMilliseconds(450), Cancel);
        Assert.Single(await second.Outbox.ClaimAsync(Long("next"), 10, Cancel));
    }
}
