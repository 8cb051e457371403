using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.HealthChecks.Tests;

/// <summary>The defaults a transport or store gets when it does not answer the health seams itself.</summary>
public sealed class SeamDefaultTests
{
    [Fact]
    public async Task Dead_letters_without_a_count_of_their_own_are_counted_page_by_page()
    {
        IDeadLetters letters = new PagedDeadLetters(2_345);

        Assert.Equal(2_345, await letters.CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await ((IDeadLetters)new PagedDeadLetters(0)).CountAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Dead letters with ids 1..count, listed in pages and nothing else.</summary>
    private sealed class PagedDeadLetters(int count) : IDeadLetters
    {
        public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId = 0, int limit = 100, CancellationToken cancellationToken = default)
        {
            var page = new List<DeadLetter>();
            for (long id = afterId + 1; id <= count && page.Count < limit; id++)
            {
                page.Add(new DeadLetter { Id = id, Message = new MessageRecord() });
            }

            return ValueTask.FromResult<IReadOnlyList<DeadLetter>>(page);
        }

        public ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default) => throw new NotSupportedException("not asked by CountAsync");

        public ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken = default) => throw new NotSupportedException("not asked by CountAsync");

        public ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default) => throw new NotSupportedException("not asked by CountAsync");
    }
}
