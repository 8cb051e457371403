using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Tool.DeadLetters;

/// <summary>Where the dead letters are: a store's table (SQLite, PostgreSQL) or a broker's error queues (RabbitMQ).</summary>
internal abstract class DeadLetterSource : IAsyncDisposable
{
    /// <summary>What the tool is looking at, for output: "sqlite shop.db", "postgres 127.0.0.1:5432/shop schema contracts".</summary>
    public abstract string Description { get; }

    /// <summary>Every dead letter, oldest first.</summary>
    public async Task<List<DeadLetter>> ListAllAsync(CancellationToken cancellationToken)
    {
        const int Page = 500;
        var all = new List<DeadLetter>();
        long after = 0;
        while (true)
        {
            IReadOnlyList<DeadLetter> page = await ListAsync(after, Page, cancellationToken).ConfigureAwait(false);
            all.AddRange(page);
            if (page.Count < Page)
            {
                return all;
            }

            after = page[^1].Id;
        }
    }

    protected abstract ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId, int limit, CancellationToken cancellationToken);

    public abstract ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>Sends the letter back to its endpoint as attempt 1 and removes it; the letter replayed, or <see langword="null"/> when there is none with that id.</summary>
    public abstract ValueTask<DeadLetter?> ReplayAsync(long id, CancellationToken cancellationToken);

    /// <summary>What happens to a replayed message next, for the operator.</summary>
    public abstract string AfterReplay(DeadLetter letter);

    public abstract ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
