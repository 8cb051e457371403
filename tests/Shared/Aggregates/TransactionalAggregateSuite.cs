using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;
using Contracts.Transport.InMemory;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Tests.Aggregates;

/// <summary>
/// Aggregates changed by EffectivelyOnce handlers, on a store with consume transactions (SQLite, PostgreSQL): the load,
/// the append, its publications and the snapshot run in the delivery's transaction and commit with its inbox key, or
/// not at all. Each store's test project derives from it with the store to use.
/// </summary>
public abstract class TransactionalAggregateSuite : IAsyncLifetime
{
    private AggregateHost? _host;

    /// <summary>A new store on this test's database.</summary>
    protected abstract IMessageStore CreateStore();

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public virtual async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private async Task<AggregateHost> StartAsync(TallyLedger ledger, int concurrency, int retries = 0)
    {
        var store = new CountingStore(CreateStore());
        var services = new ServiceCollection();
        services.AddSingleton(ledger);
        services.AddSingleton<TallyProbe>();
        services.AddContracts(o =>
        {
            o.UseStore(_ => store);
            o.UseInMemoryTransport(t => t.Endpoint<AddToTally>(e =>
            {
                e.Delivery = DeliveryMode.EffectivelyOnce;
                e.MaxConcurrency = concurrency;
                e.Capacity = 1024;
                e.Retry.ImmediateRetries = retries;
                e.Retry.DelayedRetries = 0;
            }));
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
        });
        _host = new AggregateHost(services.BuildServiceProvider(), store);
        await _host.StartAsync();
        return _host;
    }

    [Fact]
    public async Task Deliveries_that_change_one_aggregate_side_by_side_each_add_their_event_once_and_failed_attempts_add_none()
    {
        const int Count = 240;
        var ledger = new TallyLedger { FailAfterSave = static (key, attempt) => int.Parse(key, System.Globalization.CultureInfo.InvariantCulture) % 7 == 0 && attempt == 1 };
        AggregateHost host = await StartAsync(ledger, concurrency: 8, retries: 1);
        IMessageBus bus = host.Services.GetRequiredService<IMessageBus>();
        string id = Guid.NewGuid().ToString("N");

        var sends = new Task[Count];
        for (int i = 0; i < Count; i++)
        {
            sends[i] = bus.SendAsync(new AddToTally(i.ToString(System.Globalization.CultureInfo.InvariantCulture), id, i + 1), cancellationToken: Cancel).AsTask();
        }

        await Task.WhenAll(sends);

        // Before the fix each of these waited for the SQLite writer its own delivery held (a 30 s timeout apiece).
        await Until(async () => (await host.Events.GetStreamAsync("tally-" + id, Cancel)).Version == Count, "every addition is saved", TimeSpan.FromSeconds(60));
        Tally tally = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(Count, tally.Version);
        Assert.Equal(Count, tally.State.Count);
        Assert.Equal(Count * (Count + 1) / 2, tally.State.Total); // each amount once: the failed attempts' appends were rolled back
        RecordedEvent[] events = await host.Events.ReadStreamAsync("tally-" + id, cancellationToken: Cancel).ToArrayAsync(Cancel);
        Assert.Equal(Count, events.Select(e => ((TallyAdded)e.Event).Amount).Distinct().Count());

        // The publications went through the outbox in the same transactions: each saved event once, no rolled-back one.
        await Until(() => Task.FromResult(ledger.Published.Count >= Count), "every saved event is published", TimeSpan.FromSeconds(30));
        Assert.Equal(events.Select(e => e.EventId).Order(), ledger.Published.Keys.Order());

        // Snapshots (every 100 events) were written in the deliveries' transactions too, not left to time out beside them.
        SnapshotRecord? snapshot = await host.Store.Snapshots.ReadAsync("tally-" + id, Cancel);
        Assert.NotNull(snapshot);
        Assert.InRange(snapshot.Version, 200, Count);
    }

    [Fact]
    public async Task A_handler_that_catches_a_refused_append_goes_on_and_its_delivery_commits_the_rest()
    {
        var ledger = new TallyLedger { AppendStaleFirst = true };
        AggregateHost host = await StartAsync(ledger, concurrency: 2);
        IMessageBus bus = host.Services.GetRequiredService<IMessageBus>();
        string id = Guid.NewGuid().ToString("N");
        for (int i = 0; i < 10; i++)
        {
            await bus.SendAsync(new AddToTally("k" + i, id, i + 1), cancellationToken: Cancel);
        }

        await Until(async () => (await host.Events.GetStreamAsync("tally-" + id, Cancel)).Version == 10, "every addition is saved", TimeSpan.FromSeconds(30));
        Assert.True(ledger.Refused >= 10, $"{ledger.Refused} appends were refused");
        Tally tally = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(55, tally.State.Total); // no refused -1000 among them
        Assert.Equal(10, tally.State.Count);
    }

    [Fact]
    public async Task An_append_in_a_delivery_that_fails_is_rolled_back_and_never_published()
    {
        var ledger = new TallyLedger { FailAfterSave = static (_, _) => true };
        AggregateHost host = await StartAsync(ledger, concurrency: 2);
        IMessageBus bus = host.Services.GetRequiredService<IMessageBus>();
        IDeadLetters deadLetters = host.Services.GetRequiredService<IDeadLetters>();
        string id = Guid.NewGuid().ToString("N");
        for (int i = 0; i < 5; i++)
        {
            await bus.SendAsync(new AddToTally("k" + i, id, 1), cancellationToken: Cancel);
        }

        await Until(async () => (await deadLetters.ListAsync(cancellationToken: Cancel)).Count == 5, "every delivery is dead-lettered", TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await host.Events.GetStreamAsync("tally-" + id, Cancel)).Version);
        Assert.Equal(0, await host.Events.ReadHeadPositionAsync(Cancel));
        Assert.Empty(ledger.Published);
    }

    [Fact]
    public async Task A_handler_archives_its_aggregate_in_its_delivery_and_a_failed_attempt_archives_nothing()
    {
        var ledger = new TallyLedger
        {
            ArchiveAfterSave = static key => key == "last",
            FailAfterSave = static (key, attempt) => key == "last" && attempt == 1,
        };
        AggregateHost host = await StartAsync(ledger, concurrency: 1, retries: 1);
        IMessageBus bus = host.Services.GetRequiredService<IMessageBus>();
        IDeadLetters deadLetters = host.Services.GetRequiredService<IDeadLetters>();
        string id = Guid.NewGuid().ToString("N");
        for (int i = 1; i <= 5; i++)
        {
            await bus.SendAsync(new AddToTally("k" + i, id, i), cancellationToken: Cancel);
        }

        await bus.SendAsync(new AddToTally("last", id, 100), cancellationToken: Cancel);
        await Until(async () => (await host.Events.GetStreamAsync("tally-" + id, Cancel)).Archived, "the tally is archived", TimeSpan.FromSeconds(30));

        // The first attempt's save and archiving were rolled back with it (else the retry's save would have been refused).
        Assert.Equal(new StreamState(6, Deleted: false, Archived: true), await host.Events.GetStreamAsync("tally-" + id, Cancel));
        Assert.Equal(6, ledger.SeenBeforeArchive); // the read in the transaction saw the handler's own save
        Tally tally = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(115, tally.State.Total);

        // Later additions are refused by the archived stream: dead-lettered, nothing appended.
        await bus.SendAsync(new AddToTally("too-late", id, 1000), cancellationToken: Cancel);
        await Until(async () => (await deadLetters.ListAsync(cancellationToken: Cancel)).Count == 1, "the late addition is dead-lettered", TimeSpan.FromSeconds(30));
        Assert.Contains(nameof(StreamArchivedException), (await deadLetters.ListAsync(cancellationToken: Cancel))[0].ExceptionType, StringComparison.Ordinal);
        Assert.Equal(6, (await host.Events.GetStreamAsync("tally-" + id, Cancel)).Version);
    }

    private static async Task Until(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(20, Cancel);
        }
    }
}
