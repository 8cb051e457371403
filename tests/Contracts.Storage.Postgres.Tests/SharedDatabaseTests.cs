using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>Several buses on one database: each message is handled once, and the work of a bus that stops or dies goes to another.</summary>
public sealed class SharedDatabaseTests : IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema("shared");

    public async ValueTask InitializeAsync() => await PostgresServer.ExecuteAsync(new EffectTable(_schema, "").CreateSql);

    public async ValueTask DisposeAsync() => await PostgresServer.DropSchemaAsync(_schema);

    private Task<PostgresBus> StartAsync(string name, WorkPace pace, TimeSpan claim) => PostgresBus.StartAsync(
        _schema,
        s => s.AddSingleton(new EffectTable(_schema, name)).AddSingleton(pace),
        t => t.Endpoint<Work>(e =>
        {
            e.Delivery = DeliveryMode.EffectivelyOnce;
            e.Capacity = 10_000;
        }),
        o =>
        {
            o.ClaimDuration = claim;
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
        });

    private Task<long> EffectsAsync(string where = "true") => PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".effects WHERE {where}");

    private async Task AssertEveryEffectOnceAsync(int messages)
    {
        Assert.Equal(messages, await EffectsAsync());                                                                     // nothing twice
        Assert.Equal(messages, await PostgresServer.ScalarAsync($"SELECT count(DISTINCT n) FROM \"{_schema}\".effects")); // nothing lost
        Assert.Equal(0, await PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".queue"));
        Assert.Equal(0, await PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".dead_letters"));
    }

    [Fact]
    public async Task A_bus_that_stops_mid_run_hands_its_queued_work_to_the_other_at_once_through_notify()
    {
        const int PerBus = 300;
        var pace = new WorkPace();

        // A 60 s claim: the other bus polls every 20 s, so a take-over within seconds can only come from the NOTIFY.
        PostgresBus first = await StartAsync("first", pace, TimeSpan.FromSeconds(60));
        await using PostgresBus second = await StartAsync("second", pace, TimeSpan.FromSeconds(60));
        await Wait.UntilAsync(() => Task.FromResult(second.Store.Listening), "the second bus listens");
        for (int i = 0; i < PerBus; i++)
        {
            await first.Bus.SendAsync(new Work(i));
            await second.Bus.SendAsync(new Work(PerBus + i));
        }

        await Wait.UntilAsync(async () => await EffectsAsync("bus = 'first'") >= 20, "the first bus has handled some");
        var stopped = Stopwatch.StartNew();
        await first.DisposeAsync(); // cut off by its shutdown timeout: it releases what it did not handle
        long firstHandled = await EffectsAsync("bus = 'first'");
        Assert.True(firstHandled < PerBus, $"the first bus handled all {firstHandled} before it stopped: no backlog to hand over");

        await Wait.UntilAsync(async () => await EffectsAsync($"bus = 'second' AND n < {PerBus}") > 0, "the second bus takes over", TimeSpan.FromSeconds(10));
        TimeSpan takeOver = stopped.Elapsed;
        await Wait.UntilAsync(async () => await EffectsAsync() >= 2 * PerBus, "every message is handled");
        TestContext.Current.TestOutputHelper?.WriteLine($"first bus handled {firstHandled} of its {PerBus}; the second took over after {takeOver.TotalMilliseconds:F0} ms");

        await Task.Delay(300); // a duplicate would show by now
        await AssertEveryEffectOnceAsync(2 * PerBus);
    }

    [Fact]
    public async Task Rows_of_a_bus_that_died_are_taken_over_once_their_claims_run_out()
    {
        const int Messages = 200;
        TimeSpan deadClaim = TimeSpan.FromSeconds(1);

        // A bus that died: it queued its messages and holds claims it will never renew nor release. The clock starts
        // with the claim, not after the rows are written.
        var claimedAt = Stopwatch.StartNew();
        await using (var dead = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema }))
        {
            await dead.InitializeAsync(default);
            var records = new MessageRecord[Messages];
            for (int i = 0; i < Messages; i++)
            {
                records[i] = Contract.Record(new Work(i));
            }

            await dead.Queue.EnqueueAsync(records, new StoreClaim("dead-bus", DateTimeOffset.UtcNow + deadClaim), default);
        }

        TimeSpan claim = TimeSpan.FromMilliseconds(600); // the survivors look every 200 ms
        await using PostgresBus one = await StartAsync("one", new WorkPace(), claim);
        await using PostgresBus two = await StartAsync("two", new WorkPace(), claim);

        await Wait.UntilAsync(async () => await EffectsAsync() > 0, "a survivor takes the work over");
        TimeSpan takenOver = claimedAt.Elapsed;
        await Wait.UntilAsync(async () => await EffectsAsync() >= Messages, "every message is handled");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"taken over {takenOver.TotalMilliseconds:F0} ms after the dead bus's claim began (claim {deadClaim.TotalMilliseconds} ms); " +
            $"one handled {await EffectsAsync("bus = 'one'")}, two {await EffectsAsync("bus = 'two'")}");

        Assert.True(takenOver >= deadClaim - TimeSpan.FromMilliseconds(50), $"taken over after {takenOver}, before the dead bus's claim ran out");
        Assert.True(takenOver < deadClaim + claim, $"taken over after {takenOver}: later than the claim plus one poll");
        await Task.Delay(300);
        await AssertEveryEffectOnceAsync(Messages);
    }
}
