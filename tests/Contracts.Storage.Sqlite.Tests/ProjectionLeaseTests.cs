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

            await using SqliteBus two = await StartAsync(database);

            // Both append while both daemons look for work: without the lease each would project every event.
            Task<SortedDictionary<string, (decimal, long)>> fromOne = ProjectionTests.AppendAsync(one.Get<IEventStore>(), accounts: 4, deposits: 60, seed: 1);
            Task<SortedDictionary<string, (decimal, long)>> fromTwo = ProjectionTests.AppendAsync(two.Get<IEventStore>(), accounts: 4, deposits: 60, seed: 2);
            SortedDictionary<string, (decimal, long)> expected = await fromOne;
            foreach ((string account, (decimal, long) row) in await fromTwo)
            {
                expected.Add(account, row);
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

        // The daemon took the lease back once the rebuild let it go, and projected what was appended meanwhile.
        await daemon.Get<IProjections>().WaitForAsync("ledger", await events.ReadHeadPositionAsync(timeout.Token), timeout.Token);
        Assert.Equal(token + 2, database.Scalar("SELECT token FROM contracts_projection_leases WHERE subscription = 'ledger' AND owner IS NOT NULL"));
        Assert.Equal(expected, ProjectionTests.Ledger(database));
    }
}
