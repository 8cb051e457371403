using System;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

public abstract partial class StoreCompliance<TFixture>
{
    /// <summary>Keys are per endpoint, recording one twice is harmless, and clean-up removes only keys older than its cut-off.</summary>
    [Fact]
    public async Task The_inbox_keeps_keys_per_endpoint_until_they_are_cleaned_up()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => first.Inbox.AddAsync("Compliance.A", "k1", Cancel).AsTask()));
        await second.Inbox.AddAsync("Compliance.B", "k2", Cancel);

        Assert.True(await second.Inbox.ContainsAsync("Compliance.A", "k1", Cancel));
        Assert.False(await second.Inbox.ContainsAsync("Compliance.B", "k1", Cancel));
        Assert.True(await first.Inbox.ContainsAsync("Compliance.B", "k2", Cancel));

        Assert.Equal(0, await first.Inbox.CleanUpAsync(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1), Cancel));
        Assert.Equal(2, await first.Inbox.CleanUpAsync(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1), Cancel));
        Assert.False(await first.Inbox.ContainsAsync("Compliance.A", "k1", Cancel));
    }

    /// <summary>
    /// Two deliveries of one key racing in consume transactions: exactly one commits, the other gets
    /// <see cref="DuplicateMessageException"/> and its work is rolled back. A store without consume transactions says
    /// so with <see cref="NotSupportedException"/>.
    /// </summary>
    [Fact]
    public async Task Of_two_consume_transactions_with_one_key_only_one_commits()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        if ((first.Capabilities & StoreCapabilities.ConsumeTransactions) == 0)
        {
            await Assert.ThrowsAsync<NotSupportedException>(() => first.BeginConsumeAsync(Cancel).AsTask());
            return;
        }

        await using IConsumeTransaction one = await first.BeginConsumeAsync(Cancel);
        Assert.False(await one.IsInInboxAsync("Compliance.A", "raced", Cancel));
        await one.WriteOutboxAsync(Record(1, endpoint: ""), Cancel);
        await one.CommitAsync("Compliance.A", "raced", Cancel);

        await using IConsumeTransaction two = await second.BeginConsumeAsync(Cancel);
        await two.WriteOutboxAsync(Record(2, endpoint: ""), Cancel);
        DuplicateMessageException duplicate = await Assert.ThrowsAsync<DuplicateMessageException>(() => two.CommitAsync("Compliance.A", "raced", Cancel).AsTask());
        Assert.Equal("raced", duplicate.Key);
        await two.DisposeAsync();

        // Only the committed transaction's outbox row exists.
        MessageRecord relayed = Assert.Single(await first.Outbox.ClaimAsync(Long("relay"), 10, Cancel));
        Assert.Equal("key-1", relayed.IdempotencyKey);
    }
}
