using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>
/// <see cref="EndpointOptions.MaxPriority"/> on the in-memory transport: each test holds the one worker on message 0,
/// queues the rest, then lets it go, so the order handled is the queue's order.
/// </summary>
public sealed partial class PriorityTests
{
    [Command] public partial record Urgent(int N);
    [Command] public partial record Capped(int N);
    [Command] public partial record Aged(int N);
    [Command] public partial record Plain(int N);
    [Command] public partial record Dropping(int N);
    [Command] public partial record Keyed([property: PartitionKey] int Key, int N);

    [Idempotent] public sealed class UrgentHandler(Lane lane) : ICommandHandler<Urgent> { public ValueTask HandleAsync(Urgent c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class CappedHandler(Lane lane) : ICommandHandler<Capped> { public ValueTask HandleAsync(Capped c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class AgedHandler(Lane lane) : ICommandHandler<Aged> { public ValueTask HandleAsync(Aged c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class PlainHandler(Lane lane) : ICommandHandler<Plain> { public ValueTask HandleAsync(Plain c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class DroppingHandler(Lane lane) : ICommandHandler<Dropping> { public ValueTask HandleAsync(Dropping c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }
    [Idempotent] public sealed class KeyedHandler(Lane lane) : ICommandHandler<Keyed> { public ValueTask HandleAsync(Keyed c, MessageContext x, CancellationToken t) => lane.HandleAsync(c.N, t); }

    private static Task<TestBus> StartAsync<T>(Lane lane, Action<EndpointOptions> endpoint)
        where T : class, IContract<T> =>
        TestBus.StartAsync(
            s => s.AddSingleton(lane),
            o => o.UseInMemoryTransport(t => t.Endpoint<T>(e =>
            {
                e.MaxConcurrency = 1;
                endpoint(e);
            })));

    private static SendOptions Priority(int priority) => new() { Priority = (byte)priority };

    [Fact]
    public async Task Waiting_messages_are_handled_highest_priority_first_and_in_send_order_within_one_priority()
    {
        var lane = new Lane();
        await using TestBus host = await StartAsync<Urgent>(lane, e => e.MaxPriority = 3);
        await host.Bus.SendAsync(new Urgent(0));
        await Wait.For(lane.FirstEntered.Task);

        const int count = 60;
        var sent = new List<(int N, int Priority)>();
        for (int n = 1; n <= count; n++)
        {
            int priority = (n * 7) % 4; // 0-3, mixed
            sent.Add((n, priority));
            await host.Bus.SendAsync(new Urgent(n), Priority(priority));
        }

        lane.Gate.Open();
        await Wait.For(lane.Done, count + 1);

        int[] expected = [0, .. sent.OrderByDescending(m => m.Priority).ThenBy(m => m.N).Select(m => m.N)];
        Assert.Equal(expected, lane.Handled.ToArray());
    }

    [Fact]
    public async Task A_priority_above_the_maximum_counts_as_the_maximum()
    {
        var lane = new Lane();
        await using TestBus host = await StartAsync<Capped>(lane, e => e.MaxPriority = 2);
        await host.Bus.SendAsync(new Capped(0));
        await Wait.For(lane.FirstEntered.Task);

        await host.Bus.SendAsync(new Capped(1), Priority(200));
        await host.Bus.SendAsync(new Capped(2), Priority(2));
        await host.Bus.SendAsync(new Capped(3), Priority(255));
        await host.Bus.SendAsync(new Capped(4), Priority(1));

        lane.Gate.Open();
        await Wait.For(lane.Done, 5);
        Assert.Equal([0, 1, 2, 3, 4], lane.Handled.ToArray());
    }

    [Fact]
    public async Task A_low_priority_message_is_overtaken_only_by_messages_sent_within_the_boost_after_it()
    {
        // Boost 5, max 1: the low message L (send 2, place 2) is overtaken by a high message sent at s only when
        // s - 5 <= 2 (a tie goes to the higher priority), i.e. sends 3 to 7. The nineteen high ones behind those do
        // not starve it.
        var lane = new Lane();
        await using TestBus host = await StartAsync<Aged>(lane, e =>
        {
            e.MaxPriority = 1;
            e.PriorityBoost = 5;
        });
        await host.Bus.SendAsync(new Aged(0));
        await Wait.For(lane.FirstEntered.Task);

        const int low = 1000;
        await host.Bus.SendAsync(new Aged(low), Priority(0));
        for (int n = 1; n <= 24; n++)
        {
            await host.Bus.SendAsync(new Aged(n), Priority(1));
        }

        lane.Gate.Open();
        await Wait.For(lane.Done, 26);
        int[] handled = lane.Handled.ToArray();
        Assert.Equal([0, 1, 2, 3, 4, 5, low, .. Enumerable.Range(6, 19)], handled);
    }

    [Fact]
    public async Task Without_MaxPriority_the_priority_of_a_send_is_ignored()
    {
        var lane = new Lane();
        await using TestBus host = await StartAsync<Plain>(lane, _ => { });
        await host.Bus.SendAsync(new Plain(0));
        await Wait.For(lane.FirstEntered.Task);

        await host.Bus.SendAsync(new Plain(1), Priority(0));
        await host.Bus.SendAsync(new Plain(2), Priority(9));

        lane.Gate.Open();
        await Wait.For(lane.Done, 3);
        Assert.Equal([0, 1, 2], lane.Handled.ToArray());
    }

    [Fact]
    public async Task A_priority_endpoint_that_would_drop_is_refused_at_start_saying_why()
    {
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync<Dropping>(new Lane(), e =>
        {
            e.MaxPriority = 5;
            e.FullMode = EndpointFullMode.DropOldest;
        }));
        Assert.Contains("MaxPriority 5 and FullMode DropOldest", error.Message, StringComparison.Ordinal);
        Assert.Contains("Set FullMode to Wait or Reject, or MaxPriority to 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_priority_endpoint_whose_contract_has_a_partition_key_is_refused_at_start_saying_why()
    {
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync<Keyed>(new Lane(), e => e.MaxPriority = 5));
        Assert.Contains("has a partition key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_priority_boost_below_one_is_refused()
    {
        var options = new EndpointOptions { PriorityBoost = 0 };
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate("Orders"));
        Assert.Contains("PriorityBoost of at least 1", error.Message, StringComparison.Ordinal);
    }
}
