using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>The typed event store over the default (in-memory) store: contracts in, the same contracts out.</summary>
public sealed partial class EventStoreTests
{
    [Event] public partial record CartOpened(Guid CartId, string Customer);
    [Event] public partial record ItemAdded(Guid CartId, string Sku, int Quantity);
    [Event] public partial record CartCheckedOut(Guid CartId, decimal Total);
    [Command] public partial record CheckOut([property: IdempotencyKey] Guid CartId);

    public sealed class Appended
    {
        public readonly TaskCompletionSource<long> Version = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Guid MessageId, CorrelationId;
    }

    public sealed class Seen
    {
        public readonly TaskCompletionSource<(CartOpened Event, Guid MessageId, Guid CorrelationId)> Opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [Idempotent]
    public sealed class CartOpenedHandler(Seen seen) : IEventHandler<CartOpened>
    {
        public ValueTask HandleAsync(CartOpened @event, MessageContext context, CancellationToken cancellationToken)
        {
            seen.Opened.TrySetResult((@event, context.MessageId, context.CorrelationId));
            return ValueTask.CompletedTask;
        }
    }

    public sealed class CheckOutHandler(IEventStore events, Appended appended) : ICommandHandler<CheckOut>
    {
        public async ValueTask HandleAsync(CheckOut command, MessageContext context, CancellationToken cancellationToken)
        {
            appended.MessageId = context.MessageId;
            appended.CorrelationId = context.CorrelationId;
            long version = await events.AppendAsync(
                $"cart-{command.CartId}", ExpectedVersion.Any, [new CartCheckedOut(command.CartId, 12.5m)], AppendOptions.From(context), cancellationToken);
            appended.Version.SetResult(version);
        }
    }

    [Fact]
    public async Task Appended_contracts_are_read_back_as_the_same_contracts_in_stream_and_global_order()
    {
        await using TestBus host = await TestBus.StartAsync();
        IEventStore events = host.Get<IEventStore>();
        var cart = Guid.NewGuid();
        string stream = $"cart-{cart}";
        var correlation = Guid.NewGuid();

        long version = await events.AppendAsync(stream, ExpectedVersion.NoStream, [new CartOpened(cart, "ada"), new ItemAdded(cart, "sku-1", 2)],
            new AppendOptions { CorrelationId = correlation, Headers = new Dictionary<string, string> { ["tenant"] = "t1" } });
        Assert.Equal(2, version);
        await events.AppendAsync("other", ExpectedVersion.Any, [new ItemAdded(Guid.NewGuid(), "sku-9", 1)]);
        Assert.Equal(3, await events.AppendAsync(stream, ExpectedVersion.Exactly(2), [new ItemAdded(cart, "sku-2", 1)]));

        RecordedEvent[] read = await events.ReadStreamAsync(stream).ToArrayAsync();
        Assert.Equal([new CartOpened(cart, "ada"), new ItemAdded(cart, "sku-1", 2), new ItemAdded(cart, "sku-2", 1)], read.Select(e => e.Event));
        Assert.Equal([1L, 2, 3], read.Select(e => e.StreamVersion));
        Assert.Equal([1L, 2, 4], read.Select(e => e.Position));
        Assert.All(read.Take(2), e => Assert.Equal(correlation, e.CorrelationId));
        Assert.Equal("t1", read[0].Headers!["tenant"]);
        Assert.NotEqual(read[0].EventId, read[1].EventId);

        Assert.Equal([3L, 2], (await events.ReadStreamBackwardsAsync(stream, maxCount: 2).ToArrayAsync()).Select(e => e.StreamVersion));
        Assert.Equal(["other", stream], (await events.ReadAllAsync(fromPosition: 3).ToArrayAsync()).Select(e => e.StreamId));
        Assert.Equal(4, await events.ReadHeadPositionAsync());
        Assert.Equal(new StreamState(3, false), await events.GetStreamAsync(stream));
    }

    [Fact]
    public async Task An_appended_event_reaches_its_subscribers_with_its_event_id_as_message_id_unless_publishing_is_off()
    {
        var seen = new Seen();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(seen));
        IEventStore events = host.Get<IEventStore>();
        var quiet = Guid.NewGuid();
        await events.AppendAsync("quiet", ExpectedVersion.NoStream, [new CartOpened(quiet, "not published")], new AppendOptions { Publish = false });
        var cart = Guid.NewGuid();
        await events.AppendAsync("cart", ExpectedVersion.NoStream, [new CartOpened(cart, "ada")]);

        (CartOpened opened, Guid messageId, Guid correlation) = await Wait.For(seen.Opened.Task);
        Assert.Equal(new CartOpened(cart, "ada"), opened);
        RecordedEvent recorded = Assert.Single(await events.ReadStreamAsync("cart").ToArrayAsync());
        Assert.Equal(recorded.EventId, messageId);
        Assert.Equal(recorded.CorrelationId, correlation);
    }

    [Fact]
    public async Task A_subscription_catches_up_on_the_log_then_follows_new_appends_in_position_order()
    {
        await using TestBus host = await TestBus.StartAsync();
        IEventStore events = host.Get<IEventStore>();
        var cart = Guid.NewGuid();
        for (int i = 0; i < 300; i++)
        {
            await events.AppendAsync($"cart-{i % 7}", ExpectedVersion.Any, [new ItemAdded(cart, $"sku-{i}", i)], new AppendOptions { Publish = false });
        }

        using var stop = new CancellationTokenSource(TestBus.Timeout);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<long>();
        Task following = Task.Run(async () =>
        {
            await foreach (RecordedEvent e in events.SubscribeToAllAsync(fromPosition: 101, stop.Token))
            {
                seen.Enqueue(e.Position);
                Assert.Equal($"sku-{e.Position - 1}", ((ItemAdded)e.Event).Sku);
                if (e.Position == 310)
                {
                    return;
                }
            }
        });

        while (seen.Count < 200)
        {
            await Task.Delay(10, stop.Token); // caught up before the live appends (the token bounds the wait)
        }

        for (int i = 300; i < 310; i++)
        {
            await events.AppendAsync("late", ExpectedVersion.Any, [new ItemAdded(cart, $"sku-{i}", i)], new AppendOptions { Publish = false });
            await Task.Delay(5);
        }

        await Wait.For(following);
        Assert.Equal(Enumerable.Range(101, 210).Select(p => (long)p), seen);
    }

    [Fact]
    public async Task A_checkpoint_tracker_advances_only_over_a_contiguous_run_of_completed_positions()
    {
        var tracker = new CheckpointTracker(checkpoint: 10);
        Assert.False(tracker.Complete(13));
        Assert.False(tracker.Complete(12));
        Assert.Equal(10, tracker.Checkpoint);
        Assert.True(tracker.Complete(11));
        Assert.Equal(13, tracker.Checkpoint);
        Assert.False(tracker.Complete(9)); // a repeat after a resume
        Assert.Equal(13, tracker.Checkpoint);

        // Four workers complete 20,000 positions in shuffled order: the checkpoint never passes an unfinished one.
        var parallel = new CheckpointTracker();
        long[] order = Enumerable.Range(1, 20_000).Select(p => (long)p).ToArray();
        new Random(7).Shuffle(order);
        bool[] done = new bool[order.Length + 1];
        long violations = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (int i = w; i < order.Length; i += 4)
            {
                Volatile.Write(ref done[order[i]], true);
                parallel.Complete(order[i]);
                long checkpoint = parallel.Checkpoint;
                if (checkpoint > 0 && !Volatile.Read(ref done[checkpoint]))
                {
                    Interlocked.Increment(ref violations);
                }
            }
        })));

        Assert.Equal(0, violations);
        Assert.Equal(20_000, parallel.Checkpoint);
    }

    [Fact]
    public async Task Reads_page_through_streams_longer_than_one_page()
    {
        await using TestBus host = await TestBus.StartAsync();
        IEventStore events = host.Get<IEventStore>();
        var cart = Guid.NewGuid();
        IEvent[] added = Enumerable.Range(1, 700).Select(i => (IEvent)new ItemAdded(cart, $"sku-{i}", i)).ToArray();
        await events.AppendAsync("long", ExpectedVersion.NoStream, added);

        Assert.Equal(Enumerable.Range(1, 700).Select(v => (long)v), (await events.ReadStreamAsync("long").ToArrayAsync()).Select(e => e.StreamVersion));
        Assert.Equal(Enumerable.Range(1, 700).Reverse().Select(v => (long)v), (await events.ReadStreamBackwardsAsync("long").ToArrayAsync()).Select(e => e.StreamVersion));
        Assert.Equal(300, await events.ReadAllAsync(fromPosition: 401).CountAsync());
        Assert.Equal(257, await events.ReadStreamAsync("long", fromVersion: 10, maxCount: 257).CountAsync());
    }

    [Fact]
    public async Task Events_appended_by_a_handler_carry_its_message_as_cause_and_its_conversation()
    {
        var appended = new Appended();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(appended));
        var cart = Guid.NewGuid();
        await host.Bus.SendAsync(new CheckOut(cart));
        Assert.Equal(1, await Wait.For(appended.Version.Task));

        RecordedEvent recorded = Assert.Single(await host.Get<IEventStore>().ReadStreamAsync($"cart-{cart}").ToArrayAsync());
        Assert.Equal(new CartCheckedOut(cart, 12.5m), recorded.Event);
        Assert.Equal(appended.MessageId, recorded.CausationId);
        Assert.Equal(appended.CorrelationId, recorded.CorrelationId);
    }

    [Fact]
    public async Task An_event_whose_contract_the_catalog_does_not_have_fails_its_read_saying_where_it_is()
    {
        await using TestBus host = await TestBus.StartAsync();
        IEventStore events = host.Get<IEventStore>();
        await events.AppendAsync("mixed", ExpectedVersion.NoStream, [new CartOpened(Guid.NewGuid(), "bob")]);
        IEventLogStore log = host.Get<ContractsRuntime>().Store.Events;
        await log.AppendAsync("mixed", ExpectedVersion.Exactly(1), [new EventRecord { EventId = Guid.NewGuid(), ContractName = "Elsewhere.Happened", Payload = new byte[] { 0x90 } }], publish: null, CancellationToken.None);

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await events.ReadStreamAsync("mixed").ToArrayAsync());
        Assert.Contains("position 2 (mixed version 2) is 'Elsewhere.Happened' version 1, which is not an event contract of this application", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_before_anything_is_written()
    {
        await using TestBus host = await TestBus.StartAsync();
        IEventStore events = host.Get<IEventStore>();
        await Assert.ThrowsAsync<ArgumentException>(async () => await events.AppendAsync("empty", ExpectedVersion.Any, []));
        await Assert.ThrowsAsync<ArgumentException>(async () => await events.AppendAsync(" ", ExpectedVersion.Any, [new CartOpened(Guid.NewGuid(), "x")]));
        await Assert.ThrowsAsync<ArgumentException>(async () => await events.AppendAsync(new string('s', 201), ExpectedVersion.Any, [new CartOpened(Guid.NewGuid(), "x")]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpectedVersion.Exactly(-1));
        Assert.Equal(0, await events.ReadHeadPositionAsync());
    }

    [Fact]
    public async Task The_event_store_before_the_bus_has_started_says_to_start_the_host()
    {
        var services = new ServiceCollection();
        services.AddContracts();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IEventStore events = provider.GetRequiredService<IEventStore>();

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await events.ReadHeadPositionAsync());
        Assert.Contains("The bus is not started", error.Message, StringComparison.Ordinal);
    }
}
