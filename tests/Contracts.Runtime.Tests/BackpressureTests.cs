using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Contracts.Runtime.Tests;

public sealed partial class BackpressureTests
{
    [Command] public partial record Waiting(int N);
    [Command] public partial record DroppingOldest(int N);
    [Command] public partial record DroppingNewest(int N);
    [Command] public partial record Rejecting(int N);
    [Command] public partial record CancelledWhileWaiting(int N);
    [Command(Version = 2)] public partial record VersionTwo(int N);

    [Idempotent] public sealed class WaitingHandler(Lane lane) : ICommandHandler<Waiting> { public ValueTask HandleAsync(Waiting c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class DroppingOldestHandler(Lane lane) : ICommandHandler<DroppingOldest> { public ValueTask HandleAsync(DroppingOldest c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class DroppingNewestHandler(Lane lane) : ICommandHandler<DroppingNewest> { public ValueTask HandleAsync(DroppingNewest c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class RejectingHandler(Lane lane) : ICommandHandler<Rejecting> { public ValueTask HandleAsync(Rejecting c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class CancelledWhileWaitingHandler(Lane lane) : ICommandHandler<CancelledWhileWaiting> { public ValueTask HandleAsync(CancelledWhileWaiting c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class VersionTwoHandler(Lane lane) : ICommandHandler<VersionTwo> { public ValueTask HandleAsync(VersionTwo c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }

    private static Task<TestBus> StartAsync<T>(Lane lane, EndpointFullMode mode, int capacity = 2)
        where T : class, IContract<T> =>
        TestBus.StartAsync(
            s => s.AddSingleton(lane),
            o => o.UseInMemoryTransport(t => t.Endpoint<T>(e => { e.Capacity = capacity; e.FullMode = mode; })));

    [Fact]
    public async Task Wait_makes_the_producer_wait_for_room()
    {
        var lane = new Lane();
        await using TestBus host = await StartAsync<Waiting>(lane, EndpointFullMode.Wait);

        await host.Bus.SendAsync(new Waiting(0));
        await Wait.For(lane.FirstEntered.Task); // the only worker is busy with 0
        Assert.True(host.Bus.SendAsync(new Waiting(1)).IsCompletedSuccessfully);
        Assert.True(host.Bus.SendAsync(new Waiting(2)).IsCompletedSuccessfully);

        Task third = host.Bus.SendAsync(new Waiting(3)).AsTask();
        Assert.True(await Wait.StillPending(third), "The send into a full Wait endpoint completed without room.");

        lane.Gate.Open();
        await Wait.For(third);
        await Wait.For(lane.Done, 4);
        Assert.Equal([0, 1, 2, 3], lane.Handled.ToArray());
    }

    [Fact]
    public async Task DropOldest_drops_the_oldest_queued_message_and_counts_it()
    {
        using var counters = new CounterRecorder();
        var lane = new Lane();
        await using TestBus host = await StartAsync<DroppingOldest>(lane, EndpointFullMode.DropOldest);

        await host.Bus.SendAsync(new DroppingOldest(0));
        await Wait.For(lane.FirstEntered.Task);
        for (int i = 1; i <= 4; i++)
        {
            Assert.True(host.Bus.SendAsync(new DroppingOldest(i)).IsCompletedSuccessfully);
        }

        Assert.Equal(2, counters.Get("contracts.messages.dropped", Descriptor.Of<DroppingOldest>()));
        lane.Gate.Open();
        await Wait.For(host.StopAsync());
        Assert.Equal([0, 3, 4], lane.Handled.ToArray());
    }

    [Fact]
    public async Task DropNewest_drops_the_newest_queued_message_and_counts_it()
    {
        using var counters = new CounterRecorder();
        var lane = new Lane();
        await using TestBus host = await StartAsync<DroppingNewest>(lane, EndpointFullMode.DropNewest);

        await host.Bus.SendAsync(new DroppingNewest(0));
        await Wait.For(lane.FirstEntered.Task);
        for (int i = 1; i <= 4; i++)
        {
            Assert.True(host.Bus.SendAsync(new DroppingNewest(i)).IsCompletedSuccessfully);
        }

        // 1 and 2 fill the queue; 3 replaces 2, then 4 replaces 3.
        Assert.Equal(2, counters.Get("contracts.messages.dropped", Descriptor.Of<DroppingNewest>()));
        lane.Gate.Open();
        await Wait.For(host.StopAsync());
        Assert.Equal([0, 1, 4], lane.Handled.ToArray());
    }

    [Fact]
    public async Task Reject_fails_the_send_with_EndpointFullException_naming_the_endpoint()
    {
        using var counters = new CounterRecorder();
        var lane = new Lane();
        await using TestBus host = await StartAsync<Rejecting>(lane, EndpointFullMode.Reject);
        string endpoint = Descriptor.Of<Rejecting>().Name;

        await host.Bus.SendAsync(new Rejecting(0));
        await Wait.For(lane.FirstEntered.Task);
        await host.Bus.SendAsync(new Rejecting(1));
        await host.Bus.SendAsync(new Rejecting(2));
        EndpointFullException ex = await Assert.ThrowsAsync<EndpointFullException>(async () => await host.Bus.SendAsync(new Rejecting(3)));

        Assert.Equal(endpoint, ex.Endpoint);
        Assert.Equal(2, ex.Capacity);
        Assert.Contains($"'{endpoint}'", ex.Message);
        Assert.Equal(0, counters.Get("contracts.messages.dropped", Descriptor.Of<Rejecting>()));

        // The rejected send left nothing pending behind: the drain completes with what was accepted.
        lane.Gate.Open();
        await Wait.For(host.StopAsync());
        Assert.Equal([0, 1, 2], lane.Handled.ToArray());
        Assert.Equal(3, counters.Get("messaging.client.sent.messages", Descriptor.Of<Rejecting>()));
    }

    [Fact]
    public async Task A_send_waiting_for_room_is_cancelled_by_its_token()
    {
        var lane = new Lane();
        await using TestBus host = await StartAsync<CancelledWhileWaiting>(lane, EndpointFullMode.Wait, capacity: 1);
        using var cts = new CancellationTokenSource();

        await host.Bus.SendAsync(new CancelledWhileWaiting(0));
        await Wait.For(lane.FirstEntered.Task);
        await host.Bus.SendAsync(new CancelledWhileWaiting(1));
        Task waiting = host.Bus.SendAsync(new CancelledWhileWaiting(2), cancellationToken: cts.Token).AsTask();
        Assert.True(await Wait.StillPending(waiting));

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Wait.For(waiting));

        lane.Gate.Open();
        await Wait.For(host.StopAsync()); // would hang if the cancelled send still counted as pending
        Assert.Equal([0, 1], lane.Handled.ToArray());
    }

    [Fact]
    public async Task Endpoint_of_T_configures_a_version_2_contracts_endpoint()
    {
        var lane = new Lane();
        await using TestBus host = await StartAsync<VersionTwo>(lane, EndpointFullMode.Reject, capacity: 1);

        await host.Bus.SendAsync(new VersionTwo(0));
        await Wait.For(lane.FirstEntered.Task);
        await host.Bus.SendAsync(new VersionTwo(1));
        EndpointFullException ex = await Assert.ThrowsAsync<EndpointFullException>(async () => await host.Bus.SendAsync(new VersionTwo(2)));

        Assert.Equal($"{Descriptor.Of<VersionTwo>().Name}.v2", ex.Endpoint);
        lane.Gate.Open();
    }
}

public sealed partial class EventEndpointTests
{
    [Event] public partial record Broadcast(int N);

    [Command] public partial record Configured(int N);

    [Idempotent]
    public sealed class BroadcastHandler(Lane lane) : IEventHandler<Broadcast>
    {
        public ValueTask HandleAsync(Broadcast @event, MessageContext context, CancellationToken cancellationToken) => lane.HandleAsync(@event.N, cancellationToken);
    }

    [Idempotent]
    public sealed class ConfiguredHandler : ICommandHandler<Configured>
    {
        public ValueTask HandleAsync(Configured command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Endpoint_of_an_event_configures_each_of_its_subscriptions()
    {
        var lane = new Lane();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(lane),
            o => o.UseInMemoryTransport(t => t.Endpoint<Broadcast>(e => { e.Capacity = 1; e.FullMode = EndpointFullMode.Reject; })));

        await host.Bus.PublishAsync(new Broadcast(0));
        await Wait.For(lane.FirstEntered.Task);
        await host.Bus.PublishAsync(new Broadcast(1));
        EndpointFullException ex = await Assert.ThrowsAsync<EndpointFullException>(async () => await host.Bus.PublishAsync(new Broadcast(2)));

        Assert.Equal($"{Descriptor.Of<Broadcast>().Name}/{typeof(BroadcastHandler).FullName}", ex.Endpoint);
        lane.Gate.Open();
    }

    [Fact]
    public async Task Settings_for_an_endpoint_that_does_not_exist_are_reported()
    {
        var logs = new LogCollector();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddLogging(l => l.AddProvider(logs)),
            o => o.UseInMemoryTransport(t => t
                .Endpoint("No.Such.Endpoint", e => e.Capacity = 5)
                .Endpoint<Configured>(e => e.Capacity = 5)));

        await host.Bus.SendAsync(new Configured(1)); // the endpoint configured by its contract exists and is not reported

        LogCollector.Entry warning = Assert.Single(logs.Entries, e => e.EventId == 13);
        Assert.Contains("'No.Such.Endpoint'", warning.Message);
    }
}

public sealed partial class DroppedQueryTests
{
    [Query] public partial record SlowCount(int N) : IQuery<int>;

    public sealed class SlowCountHandler(Lane lane) : IQueryHandler<SlowCount, int>
    {
        public async ValueTask<int> HandleAsync(SlowCount query, MessageContext context, CancellationToken cancellationToken)
        {
            await lane.HandleAsync(query.N, cancellationToken);
            return query.N * 10;
        }
    }

    [Fact]
    // Queued (InlineQueries off): an inline query never meets the endpoint's queue.
    public async Task A_query_dropped_by_a_full_endpoint_fails_its_caller_with_EndpointFullException()
    {
        var lane = new Lane();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(lane),
            o => o.UseInMemoryTransport(t => t.Endpoint<SlowCount>(e => { e.Capacity = 1; e.FullMode = EndpointFullMode.DropOldest; e.InlineQueries = false; })));

        Task<int> first = host.Bus.QueryAsync(new SlowCount(0)).AsTask();
        await Wait.For(lane.FirstEntered.Task);
        Task<int> dropped = host.Bus.QueryAsync(new SlowCount(1)).AsTask();
        Task<int> kept = host.Bus.QueryAsync(new SlowCount(2)).AsTask();

        EndpointFullException ex = await Assert.ThrowsAsync<EndpointFullException>(() => Wait.For(dropped));
        Assert.Equal(Descriptor.Of<SlowCount>().Name, ex.Endpoint);
        lane.Gate.Open();
        Assert.Equal(0, await Wait.For(first));
        Assert.Equal(20, await Wait.For(kept));
    }
}
