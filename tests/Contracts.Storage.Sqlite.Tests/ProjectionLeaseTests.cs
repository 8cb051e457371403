using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>
/// Two buses on one SQLite file (two processes sharing it) that both register the same asynchronous projection: its
/// lease lets one daemon run it at a time, so the ledger (which counts every event it is given) ends equal to the log.
/// </summary>
public sealed class ProjectionLeaseTests
{
    private static readonly TimeSpan s_claim = TimeSpan.FromSeconds(1.5);

    private static Task<SqliteBus> StartAsync(TempDatabase database, bool daemon = true) =>
        SqliteBus.StartAsync(database, s => s.AddSingleton(new DepositLog()), options: o =>
        {
            o.ClaimDuration = s_claim;
            o.EventPollInterval = TimeSpan.FromMilliseconds(20);
            o.Projections.Add<LedgerProjection>(ProjectionMode.Async, p => (p.BatchSize, p.RunDaemon) = (5, daemon));
        });

    private static long Holders(TempDatabase database) =>
        database.Scalar("SELECT COUNT(*) FROM contracts_projection_leases WHERE subscription = 'ledger' AND owner IS NOT NULL");

    [Fact]
    public async Task Two_buses_on_one_file_project_every_event_once_and_the_second_takes_over_when_the_first_stops()
    {
        using var database = new TempDatabase();
        database.Execute(LedgerProjection.Schema);
        using var timeout = new CancellationTokenSource(SqliteBus.Timeout * 2);
        SqliteBus one = await StartAsync(database);
        try
        {
            await one.Get<IProjections>().WaitForAsync("ledger", 0, timeout.Token);
            while (Holders(database) == 0)
            {
                await Task.Delay(10, timeout.Token); // the first bus holds the lease before the second starts
            }

            // The accounts first, projected before the second bus starts: the deposits that follow only update rows, so
            // a second daemon projecting them would fail nothing, and every event projected twice would show.
            SortedDictionary<string, (decimal Balance, long Events)> expected = await ProjectionTests.AppendAsync(one.Get<IEventStore>(), accounts: 8, deposits: 0, seed: 1);
            await one.Get<IProjections>().WaitForAsync("ledger", await one.Get<IEventStore>().ReadHeadPositionAsync(timeout.Token), timeout.Token);
            await using SqliteBus two = await StartAsync(database);

            // Both append while both daemons look for work: without the lease each would project every deposit.
            string[] accounts = [.. expected.Keys];
            await Task.WhenAll(DepositAsync(one, accounts[..4]), DepositAsync(two, accounts[4..]));
            foreach (string account in accounts)
            {
                (decimal balance, long count) = expected[account];
                expected[account] = (balance + (30 * 1.5m), count + 30);
            }

            IEventStore events = two.Get<IEventStore>();
            long head = await events.ReadHeadPositionAsync(timeout.Token);
            await one.Get<IProjections>().WaitForAsync("ledger", head, timeout.Token);
            await two.Get<IProjections>().WaitForAsync("ledger", head, timeout.Token);
            Assert.Equal(expected, ProjectionTests.Ledger(database));
            Assert.Equal(1, Holders(database));

            // A clean stop releases the lease: the second bus takes it at its next look (a third of the claim).
            await one.DisposeAsync();
            var stopped = Stopwatch.StartNew();
            foreach ((string account, (decimal, long) row) in await ProjectionTests.AppendAsync(events, accounts: 2, deposits: 10, seed: 3))
            {
                expected.Add(account, row);
            }

            await two.Get<IProjections>().WaitForAsync("ledger", await events.ReadHeadPositionAsync(timeout.Token), timeout.Token);
            TestContext.Current.TestOutputHelper?.WriteLine($"taken over and caught up {stopped.ElapsedMilliseconds} ms after the clean stop");
            Assert.True(stopped.Elapsed < (s_claim / 3) + TimeSpan.FromSeconds(3), $"taken over {stopped.Elapsed} after a clean stop");
            Assert.Equal(expected, ProjectionTests.Ledger(database));
        }
        finally
        {
            await one.DisposeAsync();
        }
    }

    /// <summary>30 deposits of 1.5 to each of <paramref name="accounts"/>, through <paramref name="bus"/>.</summary>
    private static async Task DepositAsync(SqliteBus bus, string[] accounts)
    {
        IEventStore events = bus.Get<IEventStore>();
        for (int d = 0; d < 30; d++)
        {
            foreach (string account in accounts)
            {
                var id = Guid.Parse(account);
                await events.AppendAsync($"account-{id}", ExpectedVersion.Any, [new Deposited(id, 1.5m)]);
            }
        }
    }

    [Fact]
    public async Task A_rebuild_in_another_bus_takes_the_lease_from_the_running_daemon_which_takes_it_back_after()
    {
        using var database = new TempDatabase();
        database.Execute(LedgerProjection.Schema);
        using var timeout = new CancellationTokenSource(SqliteBus.Timeout * 2);
        await using SqliteBus daemon = await StartAsync(database);
        await using SqliteBus tool = await StartAsync(database, daemon: false); // a command line that only rebuilds
        IEventStore events = daemon.Get<IEventStore>();
        SortedDictionary<string, (decimal, long)> expected = await ProjectionTests.AppendAsync(events, accounts: 5, deposits: 80, seed: 4);
        await daemon.Get<IProjections>().WaitForAsync("ledger", await events.ReadHeadPositionAsync(timeout.Token), timeout.Token);
        long token = database.Scalar("SELECT token FROM contracts_projection_leases WHERE subscription = 'ledger'");

        database.Execute("UPDATE ledger SET balance = -999; INSERT INTO ledger VALUES ('stray', 'x', 1, 1)");
        Task<SortedDictionary<string, (decimal, long)>> appending = ProjectionTests.AppendAsync(events, accounts: 2, deposits: 40, seed: 5);
        await tool.Get<IProjections>().RebuildAsync("ledger", timeout.Token);
        foreach ((string account, (decimal, long) row) in await appending)
        {
            expected.Add(account, row);
        }

        // The daemon takes the lease back once the rebuild lets it go, and projects what was appended meanwhile and after.
        foreach ((string account, (decimal, long) row) in await ProjectionTests.AppendAsync(events, accounts: 1, deposits: 5, seed: 6))
        {
            expected.Add(account, row);
        }

        await daemon.Get<IProjections>().WaitForAsync("ledger", await events.ReadHeadPositionAsync(timeout.Token), timeout.Token);
        Assert.Equal(token + 2, database.Scalar("SELECT token FROM contracts_projection_leases WHERE subscription = 'ledger' AND owner IS NOT NULL"));
        Assert.Equal(expected, ProjectionTests.Ledger(database));
    }
}
