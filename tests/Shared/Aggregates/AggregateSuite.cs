using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Tests.Aggregates;

/// <summary>
/// Aggregates on one store: load, save with the expected version, conflicts, temporal loads and snapshots. Each store's
/// test project derives from it with the store to use (in memory, a SQLite file, a PostgreSQL schema).
/// </summary>
public abstract partial class AggregateSuite : IAsyncLifetime
{
    private readonly List<AggregateHost> _hosts = [];

    /// <summary>A new store on this test's database (every call: another process's store on the same data, where the store has one).</summary>
    protected abstract IMessageStore CreateStore();

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public virtual async ValueTask DisposeAsync()
    {
        foreach (AggregateHost host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    protected async Task<AggregateHost> StartAsync()
    {
        var store = new CountingStore(CreateStore());
        var services = new ServiceCollection();
        services.AddSingleton<TallyProbe>();
        services.AddSingleton<TallyLedger>();
        services.AddContracts(o =>
        {
            o.UseStore(_ => store);
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
        });
        var host = new AggregateHost(services.BuildServiceProvider(), store);
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    [Fact]
    public async Task A_new_aggregate_is_saved_into_its_stream_and_loaded_back()
    {
        AggregateHost host = await StartAsync();
        IAggregateStore aggregates = host.Aggregates;
        string id = Guid.NewGuid().ToString("N");

        Tally fresh = await aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(0, fresh.Version);
        Assert.Equal("tally-" + id, fresh.StreamId);
        Assert.Equal(new TallyState(), fresh.State);
        fresh.Start("ada");
        fresh.Add(5);
        fresh.Add(7);
        Assert.Equal(3, fresh.PendingEvents.Count);
        Assert.Equal(12, fresh.State.Total);  // applied as raised
        Assert.Equal(3, await aggregates.SaveAsync(fresh, cancellationToken: Cancel));
        Assert.Equal(3, fresh.Version);
        Assert.Empty(fresh.PendingEvents);
        Assert.Equal(3, await aggregates.SaveAsync(fresh, cancellationToken: Cancel)); // nothing pending: nothing appended

        Tally loaded = await aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(3, loaded.Version);
        Assert.Equal(new TallyState { Owner = "ada", Total = 12, Count = 2 }, loaded.State);
        Assert.False(loaded.IsHistorical);
        RecordedEvent[] stored = await host.Events.ReadStreamAsync("tally-" + id, cancellationToken: Cancel).ToArrayAsync(Cancel);
        Assert.Equal([typeof(TallyStarted), typeof(TallyAdded), typeof(TallyAdded)], stored.Select(e => e.Event.GetType()));
    }

    [Fact]
    public async Task Of_two_writers_that_loaded_the_same_version_the_second_is_refused_and_writes_nothing()
    {
        AggregateHost host = await StartAsync();
        IAggregateStore aggregates = host.Aggregates;
        string id = Guid.NewGuid().ToString("N");
        Tally created = await aggregates.LoadAsync<Tally>(id, Cancel);
        created.Start("ada");
        await aggregates.SaveAsync(created, cancellationToken: Cancel);

        Tally first = await aggregates.LoadAsync<Tally>(id, Cancel);
        Tally second = await aggregates.LoadAsync<Tally>(id, Cancel);
        first.Add(1);
        second.Add(100);
        second.Add(200);
        Assert.Equal(2, await aggregates.SaveAsync(first, cancellationToken: Cancel));
        WrongExpectedVersionException conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            async () => await aggregates.SaveAsync(second, cancellationToken: Cancel));
        Assert.Equal(2, conflict.Actual);
        Assert.Equal(ExpectedVersion.Exactly(1), conflict.Expected);
        Assert.Equal(2, second.PendingEvents.Count); // kept: nothing was written
        Assert.Equal(1, second.Version);

        Tally retried = await aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(1, retried.State.Total);
        retried.Add(100);
        Assert.Equal(3, await aggregates.SaveAsync(retried, cancellationToken: Cancel));
        Assert.Equal(101, (await aggregates.LoadAsync<Tally>(id, Cancel)).State.Total);
    }

    [Fact]
    public async Task An_archived_aggregate_loads_as_it_was_and_refuses_to_save_keeping_its_pending_events()
    {
        AggregateHost host = await StartAsync();
        IAggregateStore aggregates = host.Aggregates;
        string id = Guid.NewGuid().ToString("N");
        Tally created = await aggregates.LoadAsync<Tally>(id, Cancel);
        created.Start("ada");
        created.Add(5);
        await aggregates.SaveAsync(created, cancellationToken: Cancel);

        Tally read = await aggregates.LoadAsync<Tally>(id, Cancel);
        await host.Events.ArchiveStreamAsync(read.StreamId, ExpectedVersion.Exactly(read.Version), Cancel);
        Assert.Equal(new StreamState(2, Deleted: false, Archived: true), await host.Events.GetStreamAsync(read.StreamId, Cancel));

        Tally archived = await aggregates.LoadAsync<Tally>(id, Cancel);
        Assert.Equal(new TallyState { Owner = "ada", Total = 5, Count = 1 }, archived.State);
        archived.Add(1);
        StreamArchivedException refused = await Assert.ThrowsAsync<StreamArchivedException>(
            async () => await aggregates.SaveAsync(archived, cancellationToken: Cancel));
        Assert.Equal(archived.StreamId, refused.StreamId);
        Assert.Single(archived.PendingEvents); // kept: nothing was written
        Assert.Equal(2, archived.Version);
        Assert.Equal(2, await host.Events.ReadHeadPositionAsync(Cancel));
        Assert.Equal(5, (await aggregates.LoadAsOfAsync<Tally>(id, 2, Cancel)).State.Total);
    }

    [Fact]
    public async Task Two_writers_creating_the_same_aggregate_cannot_both_succeed()
    {
        AggregateHost host = await StartAsync();
        string id = Guid.NewGuid().ToString("N");
        Tally one = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        Tally other = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        one.Start("ada");
        other.Start("bob");
        await host.Aggregates.SaveAsync(one, cancellationToken: Cancel);
        await Assert.ThrowsAsync<WrongExpectedVersionException>(async () => await host.Aggregates.SaveAsync(other, cancellationToken: Cancel));
        Assert.Equal("ada", (await host.Aggregates.LoadAsync<Tally>(id, Cancel)).State.Owner);
    }

    [Fact]
    public async Task An_event_without_an_Apply_is_refused_when_raised_and_nothing_is_pending()
    {
        AggregateHost host = await StartAsync();
        Tally tally = await host.Aggregates.LoadAsync<Tally>(Guid.NewGuid().ToString("N"), Cancel);
        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => tally.RaiseAny(new ForeignEvent("x")));
        Assert.Contains("no Apply(ForeignEvent)", refused.Message);
        Assert.Empty(tally.PendingEvents);
    }

    [Fact]
    public async Task An_aggregate_not_loaded_by_the_store_cannot_be_saved()
    {
        AggregateHost host = await StartAsync();
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await host.Aggregates.SaveAsync(new Tally(), cancellationToken: Cancel));
        Assert.Contains("not loaded by IAggregateStore", refused.Message);
    }

    [Fact]
    public async Task Events_saved_in_a_handler_carry_its_message_as_cause_and_its_conversation()
    {
        AggregateHost host = await StartAsync();
        string id = Guid.NewGuid().ToString("N");
        await host.Services.GetRequiredService<IMessageBus>().SendAsync(new StartTally(id, "ada"), cancellationToken: Cancel);
        (Guid messageId, Guid correlationId) = await host.Services.GetRequiredService<TallyProbe>().Handled.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);

        RecordedEvent started = Assert.Single(await host.Events.ReadStreamAsync("tally-" + id, cancellationToken: Cancel).ToArrayAsync(Cancel));
        Assert.Equal(messageId, started.CausationId);
        Assert.Equal(correlationId, started.CorrelationId);
        Assert.Equal("ada", (await host.Aggregates.LoadAsync<Tally>(id, Cancel)).State.Owner);
    }

    [Fact]
    public async Task Metadata_given_to_a_save_is_recorded_with_every_event()
    {
        AggregateHost host = await StartAsync();
        string id = Guid.NewGuid().ToString("N");
        Tally tally = await host.Aggregates.LoadAsync<Tally>(id, Cancel);
        tally.Start("ada");
        tally.Add(1);
        Guid correlation = Guid.NewGuid(), cause = Guid.NewGuid();
        await host.Aggregates.SaveAsync(tally, new AppendOptions { CorrelationId = correlation, CausationId = cause, Headers = new Dictionary<string, string> { ["tenant"] = "t1" } }, Cancel);
        RecordedEvent[] stored = await host.Events.ReadStreamAsync("tally-" + id, cancellationToken: Cancel).ToArrayAsync(Cancel);
        Assert.All(stored, e =>
        {
            Assert.Equal(correlation, e.CorrelationId);
            Assert.Equal(cause, e.CausationId);
            Assert.Equal("t1", e.Headers!["tenant"]);
        });
    }
}

/// <summary>An event the tally has no Apply for.</summary>
[Event] public partial record ForeignEvent(string Id);

/// <summary>A bus with an aggregate store on a counting store, started like a host starts it.</summary>
public sealed class AggregateHost(ServiceProvider services, CountingStore store) : IAsyncDisposable
{
    private IHostedService[] _hosted = [];

    public ServiceProvider Services { get; } = services;

    public CountingStore Store { get; } = store;

    public IAggregateStore Aggregates => Services.GetRequiredService<IAggregateStore>();

    public IEventStore Events => Services.GetRequiredService<IEventStore>();

    public async Task StartAsync()
    {
        _hosted = [.. Services.GetServices<IHostedService>()];
        foreach (IHostedService hosted in _hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (int i = _hosted.Length - 1; i >= 0; i--)
        {
            await _hosted[i].StopAsync(cts.Token);
        }

        await Services.DisposeAsync();
    }
}
