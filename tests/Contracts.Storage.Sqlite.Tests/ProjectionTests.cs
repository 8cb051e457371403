using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>Projections whose read model lives in the SQLite file, in the same transaction as the append or the checkpoint.</summary>
public sealed class ProjectionTests
{
    private static Task<SqliteBus> StartAsync(TempDatabase database, ProjectionMode mode, Action<ProjectionOptions>? configure = null)
    {
        database.Execute(LedgerProjection.Schema);
        return SqliteBus.StartAsync(database, s => s.AddSingleton(new DepositLog()), options: o => o.Projections.Add<LedgerProjection>(mode, configure));
    }

    /// <summary>Appends accounts and deposits; returns what the ledger must say: balance and event count per account.</summary>
    internal static async Task<SortedDictionary<string, (decimal Balance, long Events)>> AppendAsync(IEventStore events, int accounts, int deposits, int seed)
    {
        var expected = new SortedDictionary<string, (decimal, long)>(StringComparer.Ordinal);
        var ids = new Guid[accounts];
        for (int i = 0; i < accounts; i++)
        {
            ids[i] = Guid.NewGuid();
            await events.AppendAsync($"account-{ids[i]}", ExpectedVersion.NoStream, [new AccountOpened(ids[i], "owner" + i)]);
            expected[ids[i].ToString()] = (0m, 1);
        }

        for (int d = 0; d < deposits; d++)
        {
            Guid id = ids[(d * 7 + seed) % accounts];
            (decimal balance, long count) = expected[id.ToString()];
            await events.AppendAsync($"account-{id}", ExpectedVersion.Any, [new Deposited(id, d + 1), new Deposited(id, 0.5m)]);
            expected[id.ToString()] = (balance + d + 1.5m, count + 2);
        }

        return expected;
    }

    internal static SortedDictionary<string, (decimal Balance, long Events)> Ledger(TempDatabase database)
    {
        var rows = new SortedDictionary<string, (decimal, long)>(StringComparer.Ordinal);
        using SqliteConnection connection = database.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT account, balance, events FROM ledger";
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows[reader.GetString(0)] = (reader.GetDecimal(1), reader.GetInt64(2));
        }

        return rows;
    }

    [Fact]
    public async Task An_inline_projection_commits_with_the_append_and_one_that_throws_stores_nothing()
    {
        using var database = new TempDatabase();
        await using SqliteBus host = await StartAsync(database, ProjectionMode.Inline);
        IEventStore events = host.Get<IEventStore>();
        SortedDictionary<string, (decimal, long)> expected = await AppendAsync(events, accounts: 3, deposits: 10, seed: 1);
        Assert.Equal(expected, Ledger(database)); // no wait: the append returned after the commit

        Guid account = Guid.Parse(System.Linq.Enumerable.First(expected.Keys));
        long head = await events.ReadHeadPositionAsync();
        StreamState before = await events.GetStreamAsync($"account-{account}");
        long outbox = database.Scalar("SELECT COUNT(*) FROM contracts_outbox");
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await events.AppendAsync($"account-{account}", ExpectedVersion.Any, [new Deposited(account, 5), new Deposited(account, -1)]));

        Assert.Contains("deposit -1 refused", error.Message);
        Assert.Equal(head, await events.ReadHeadPositionAsync());
        Assert.Equal(before, await events.GetStreamAsync($"account-{account}"));
        Assert.Equal(expected, Ledger(database)); // the first deposit's update was rolled back too
        Assert.Equal(outbox, database.Scalar("SELECT COUNT(*) FROM contracts_outbox")); // nor were the events' publications
    }

    [Fact]
    public async Task An_async_projection_resumes_after_a_restart_from_the_checkpoint_it_saved_with_its_writes()
    {
        using var database = new TempDatabase();
        SortedDictionary<string, (decimal, long)> expected;
        using var timeout = new CancellationTokenSource(SqliteBus.Timeout);
        await using (SqliteBus first = await StartAsync(database, ProjectionMode.Async, p => p.BatchSize = 9))
        {
            IEventStore events = first.Get<IEventStore>();
            expected = await AppendAsync(events, accounts: 4, deposits: 50, seed: 2);
            await first.Get<IProjections>().WaitForAsync("ledger", await events.ReadHeadPositionAsync(), timeout.Token);
            Assert.Equal(expected, Ledger(database));
        }

        await using SqliteBus second = await StartAsync(database, ProjectionMode.Async, p => p.BatchSize = 9);
        IEventStore again = second.Get<IEventStore>();
        foreach ((string account, (decimal, long) row) in await AppendAsync(again, accounts: 2, deposits: 20, seed: 3))
        {
            expected[account] = row;
        }

        long head = await again.ReadHeadPositionAsync();
        await second.Get<IProjections>().WaitForAsync("ledger", head, timeout.Token);
        Assert.Equal(expected, Ledger(database)); // nothing projected twice: the checkpoint committed with the rows
        Assert.Equal(head, database.Scalar("SELECT position FROM contracts_checkpoints WHERE subscription = 'ledger'"));
    }

    [Fact]
    public async Task A_rebuild_replaces_a_damaged_read_model_with_the_one_the_log_gives()
    {
        using var database = new TempDatabase();
        await using SqliteBus host = await StartAsync(database, ProjectionMode.Async, p => p.BatchSize = 25);
        IEventStore events = host.Get<IEventStore>();
        SortedDictionary<string, (decimal, long)> expected = await AppendAsync(events, accounts: 5, deposits: 80, seed: 4);
        using var timeout = new CancellationTokenSource(SqliteBus.Timeout);
        await host.Get<IProjections>().WaitForAsync("ledger", await events.ReadHeadPositionAsync(), timeout.Token);

        database.Execute("UPDATE ledger SET balance = -999; INSERT INTO ledger VALUES ('stray', 'x', 1, 1)");
        await host.Get<IProjections>().RebuildAsync("ledger", timeout.Token);

        Assert.Equal(expected, Ledger(database));
    }

    [Fact]
    public async Task A_parallel_async_projection_ends_at_the_head_with_every_event_projected()
    {
        using var database = new TempDatabase();
        await using SqliteBus host = await StartAsync(database, ProjectionMode.Async, p => (p.BatchSize, p.Parallelism) = (10, 3));
        IEventStore events = host.Get<IEventStore>();
        SortedDictionary<string, (decimal, long)> expected = await AppendAsync(events, accounts: 7, deposits: 60, seed: 5);
        using var timeout = new CancellationTokenSource(SqliteBus.Timeout);

        await host.Get<IProjections>().WaitForAsync("ledger", await events.ReadHeadPositionAsync(), timeout.Token);

        Assert.Equal(expected, Ledger(database));
    }
}
