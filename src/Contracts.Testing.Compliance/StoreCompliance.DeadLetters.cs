using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

public abstract partial class StoreCompliance<TFixture>
{
    private static DeadLetter Letter(MessageRecord message, DateTimeOffset lastFailedAt) => new()
    {
        Message = message,
        Reason = DeadLetterReason.Failed,
        ExceptionType = "System.InvalidOperationException",
        ExceptionMessage = "broken",
        StackTrace = "System.InvalidOperationException: broken\n   at Somewhere()",
        Attempts = 4,
        FirstFailedAt = lastFailedAt - TimeSpan.FromSeconds(3),
        LastFailedAt = lastFailedAt,
    };

    /// <summary>Dead-lettering a queued row removes the row in the same commit; the letter reads back whole; a replay queues it again once.</summary>
    [Fact]
    public async Task A_dead_letter_replaces_its_row_and_a_replay_queues_it_again_once()
    {
        IMessageStore first = await OpenAsync();
        IMessageStore second = await OpenAsync();
        MessageRecord queued = Record(1);
        await first.Queue.EnqueueAsync([queued], Long("a"), Cancel);
        DateTimeOffset failedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000);
        DeadLetter letter = Letter(queued, failedAt);
        await first.DeadLetters.AddAsync(letter, Cancel);
        Assert.True(letter.Id > 0, "AddAsync sets the letter's id");
        await first.Queue.ReleaseAsync("a", Cancel);
        Assert.Empty(await second.Queue.ClaimAsync(s_endpoint, Long("b"), 10, Cancel));

        DeadLetter? found = await second.DeadLetters.FindAsync(letter.Id, Cancel);
        Assert.NotNull(found);
        AssertSame(queued, found.Message);
        Assert.Equal(DeadLetterReason.Failed, found.Reason);
        Assert.Equal("System.InvalidOperationException", found.ExceptionType);
        Assert.Equal("broken", found.ExceptionMessage);
        Assert.Equal(letter.StackTrace, found.StackTrace);
        Assert.Equal(4, found.Attempts);
        Assert.Equal(letter.FirstFailedAt, found.FirstFailedAt);
        Assert.Equal(failedAt, found.LastFailedAt);
        Assert.Equal(letter.Id, Assert.Single(await second.DeadLetters.ListAsync(0, 10, Cancel)).Id);

        MessageRecord requeued = found.Message.CopyFor(found.Message.Endpoint);
        Assert.True(await second.DeadLetters.ReplayAsync(letter.Id, requeued, Long("replayer"), Cancel));
        Assert.False(await first.DeadLetters.ReplayAsync(letter.Id, requeued.CopyFor(requeued.Endpoint), Long("late"), Cancel));
        Assert.Null(await first.DeadLetters.FindAsync(letter.Id, Cancel));
        Assert.Empty(await first.Queue.ClaimAsync(s_endpoint, Long("c"), 10, Cancel)); // held by the replaying bus
        await second.Queue.ReleaseAsync("replayer", Cancel);
        Assert.Equal(queued.MessageId, Assert.Single(await first.Queue.ClaimAsync(s_endpoint, Long("c"), 10, Cancel)).MessageId);
    }

    /// <summary>What a health check asks: the store answers its ping, and counts its dead letters as its list has them.</summary>
    [Fact]
    public async Task The_store_answers_a_ping_and_counts_its_dead_letters()
    {
        IMessageStore store = await OpenAsync();
        await store.PingAsync(Cancel);
        Assert.Equal(0, await store.DeadLetters.CountAsync(Cancel));

        for (int i = 0; i < 3; i++)
        {
            await store.DeadLetters.AddAsync(Letter(Record(i, ""), DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000)), Cancel);
        }

        Assert.Equal(3, await store.DeadLetters.CountAsync(Cancel));
        Assert.Equal(3, (await store.DeadLetters.ListAsync(0, 10, Cancel)).Count);
        Assert.Equal(3, await store.DeadLetters.PurgeAsync(null, Cancel));
        Assert.Equal(0, await store.DeadLetters.CountAsync(Cancel));
    }

    /// <summary>Pages go oldest first after an id; purge with a cut-off keeps newer letters; remove takes one.</summary>
    [Fact]
    public async Task Dead_letters_page_in_order_and_purge_by_age()
    {
        IMessageStore store = await OpenAsync();
        DateTimeOffset old = DateTimeOffset.FromUnixTimeMilliseconds(1_600_000_000_000);
        DateTimeOffset recent = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var letters = new List<DeadLetter>();
        for (int i = 0; i < 5; i++)
        {
            DeadLetter letter = Letter(Record(i, ""), i < 2 ? old : recent);
            await store.DeadLetters.AddAsync(letter, Cancel);
            letters.Add(letter);
        }

        IReadOnlyList<DeadLetter> page = await store.DeadLetters.ListAsync(letters[0].Id, 2, Cancel);
        Assert.Equal([letters[1].Id, letters[2].Id], [page[0].Id, page[1].Id]);

        Assert.Equal(2, await store.DeadLetters.PurgeAsync(recent, Cancel));
        Assert.True(await store.DeadLetters.RemoveAsync(letters[4].Id, Cancel));
        Assert.False(await store.DeadLetters.RemoveAsync(letters[4].Id, Cancel));
        Assert.Equal(2, await store.DeadLetters.PurgeAsync(null, Cancel));
        Assert.Empty(await store.DeadLetters.ListAsync(0, 10, Cancel));
    }
}
