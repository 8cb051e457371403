using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// Buses on one PostgreSQL schema (processes sharing the database) that register the same asynchronous projection:
/// one daemon at a time runs it, the one holding its lease, and a holder that lost the lease mid-batch has that batch
/// refused by the fence in its transaction, so the tally (which counts every event it is given) ends equal to the log.
/// </summary>
public sealed class ProjectionLeaseTests : IAsyncLifetime
{
    public static readonly TimeSpan Claim = TimeSpan.FromSeconds(1.5);

    private readonly string _schema = PostgresServer.NewSchema("lease");
    private readonly List<PostgresBus> _buses = [];

    private TallyTable Table => new(_schema);

    public async ValueTask InitializeAsync() => await PostgresServer.ExecuteAsync(Table.CreateSql);

    public async ValueTask DisposeAsync()
    {
        foreach (PostgresBus bus in _buses)
        {
            await bus.DisposeAsync();
        }

        await PostgresServer.DropSchemaAsync(_schema);
    }

    private async Task<PostgresBus> StartAsync(bool daemon = true, TallyGate? gate = null)
    {
        PostgresBus bus = await PostgresBus.StartAsync(
            _schema,
            services: s => s.AddSingleton(Table).AddSingleton(gate ?? new TallyGate()),
            options: o =>
            {
                o.ClaimDuration = Claim;
                o.Projections.Add<TallyProjection>(ProjectionMode.Async, p => (p.BatchSize, p.RunDaemon) = (10, daemon));
            });
        _buses.Add(bus);
        return bus;
    }

    private Task<long> LeaseTokenAsync() =>
        PostgresServer.ScalarAsync($"SELECT coalesce((SELECT token FROM \"{_schema}\".projection_leases WHERE subscription = 'tally' AND owner IS NOT NULL), 0)");

    [Fact]
    public async Task Two_buses_on_one_database_project_every_event_once_and_the_second_takes_over_when_the_first_stops()
    {
        using var timeout = new CancellationTokenSource(PostgresBus.Timeout * 2);
        PostgresBus one = await StartAsync();
        await Wait.UntilAsync(async () => await LeaseTokenAsync() > 0, "the first bus takes the lease");
        PostgresBus two = await StartAsync();

        // Both append while both daemons look for work: without the lease each would project every event.
        Task<SortedDictionary<Guid, (long, long)>> fromOne = TallyProjection.AppendAsync(one.Get<IEventStore>(), members: 8, appends: 60, perAppend: 2, seed: 1);
        Task<SortedDictionary<Guid, (long, long)>> fromTwo = TallyProjection.AppendAsync(two.Get<IEventStore>(), members: 8, appends: 60, perAppend: 2, seed: 2);
        SortedDictionary<Guid, (long, long)> expected = await fromOne;
        foreach ((Guid member, (long, long) row) in await fromTwo)
        {
            expected.Add(member, row);
        }

        IEventStore events = two.Get<IEventStore>();
        long head = await events.ReadHeadPositionAsync(timeout.Token);
        await one.Get<IProjections>().WaitForAsync("tally", head, timeout.Token);
        await two.Get<IProjections>().WaitForAsync("tally", head, timeout.Token);
        Assert.Equal(expected, await TallyProjection.ReadAsync(Table));
        long token = await LeaseTokenAsync();

        // A clean stop releases the lease: the second bus takes it at its next look (a third of the claim).
        await one.StopAsync();
        var stopped = Stopwatch.StartNew();
        foreach ((Guid member, (long, long) row) in await TallyProjection.AppendAsync(events, members: 4, appends: 10, perAppend: 3, seed: 3))
        {
            expected.Add(member, row);
        }

        await two.Get<IProjections>().WaitForAsync("tally", await events.ReadHeadPositionAsync(timeout.Token), timeout.Token);
        TestContext.Current.TestOutputHelper?.WriteLine($"taken over and caught up {stopped.ElapsedMilliseconds} ms after the clean stop");
        Assert.True(stopped.Elapsed < (Claim / 3) + TimeSpan.FromSeconds(3), $"taken over {stopped.Elapsed} after a clean stop");
        Assert.Equal(token + 1, await LeaseTokenAsync());
        Assert.Equal(expected, await TallyProjection.ReadAsync(Table));
    }

    [Fact]
    public async Task A_batch_in_flight_when_its_daemon_lost_the_lease_is_rolled_back_not_applied_twice()
    {
        using var timeout = new CancellationTokenSource(PostgresBus.Timeout * 2);
        var gate = new TallyGate { StopAt = 1000 };
        PostgresBus daemon = await StartAsync(gate: gate);
        PostgresBus tool = await StartAsync(daemon: false); // a command line that only rebuilds
        IEventStore events = tool.Get<IEventStore>();
        SortedDictionary<Guid, (long, long)> expected = await TallyProjection.AppendAsync(events, members: 6, appends: 20, perAppend: 2, seed: 4);
        var stalled = new Guid(4, 0, 0, new byte[8]);
        await events.AppendAsync($"member-{stalled}", ExpectedVersion.Any, [new PointsEarned(stalled, 1000)]);
        expected[stalled] = (expected[stalled].Item1 + 1000, expected[stalled].Item2 + 1);
        foreach ((Guid member, (long, long) row) in await TallyProjection.AppendAsync(events, members: 6, appends: 20, perAppend: 2, seed: 5))
        {
            expected.Add(member, row);
        }

        // The daemon's batch stops inside its transaction (its rows written, not committed), as a stalled process would.
        await gate.Reached.Task.WaitAsync(timeout.Token);
        long token = await LeaseTokenAsync();
        long head = await events.ReadHeadPositionAsync(timeout.Token);
        Task<long> rebuilding = tool.Get<IProjections>().RebuildAsync("tally", timeout.Token).AsTask();
        await Wait.UntilAsync(async () => await LeaseTokenAsync() == token + 1, "the rebuild takes the lease over");

        gate.Go.SetResult(); // the stalled batch goes on to its commit, and its fence refuses it
        Assert.Equal(head, await rebuilding.WaitAsync(timeout.Token));
        foreach ((Guid member, (long, long) row) in await TallyProjection.AppendAsync(events, members: 3, appends: 5, perAppend: 2, seed: 6))
        {
            expected.Add(member, row);
        }

        // The daemon takes the lease back once the rebuild lets it go, and goes on from the rebuild's checkpoint.
        await daemon.Get<IProjections>().WaitForAsync("tally", await events.ReadHeadPositionAsync(timeout.Token), timeout.Token);
        Assert.Equal(token + 2, await LeaseTokenAsync());
        Assert.Equal(expected, await TallyProjection.ReadAsync(Table));
        Assert.Null((await daemon.Get<IProjections>().GetStatusAsync("tally", timeout.Token)).Error); // a lost lease is not a failure
    }
}
