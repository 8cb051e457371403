using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>Priority, prefetch as backpressure, bounded queues and batched acknowledgements on the real broker.</summary>
public sealed class FlowTests
{
    [Fact]
    public async Task Waiting_messages_are_handled_highest_priority_first()
    {
        await Broker.ResetAsync("RmqTests.Prioritized");
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t =>
        {
            t.PrefetchPerConsumer = 1; // the broker, not this process, holds what waits: it orders them
            t.Endpoint<Prioritized>(e =>
            {
                e.Consume = true;
                e.MaxPriority = 10;
            });
        });
        try
        {
            IMessageBus bus = host.Bus();
            await bus.SendAsync(new Prioritized(0), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.ContainsKey("prioritized:0"), TimeSpan.FromSeconds(10), () => "the first message blocks the consumer");

            byte[] priorities = [3, 9, 1, 7, 5, 2, 8, 4, 6];
            foreach (byte priority in priorities)
            {
                await bus.SendAsync(new Prioritized(priority), new SendOptions { Priority = priority }, TestContext.Current.CancellationToken);
            }

            probe.Gate.TrySetResult();
            await Probe.WaitForAsync(() => probe.Hits.Count == priorities.Length + 1, TimeSpan.FromSeconds(10), () => $"{probe.Hits.Count} handled");

            int[] order = [.. probe.Seen.Select(s => int.Parse(s.Key["prioritized:".Length..], System.Globalization.CultureInfo.InvariantCulture))];
            Assert.Equal([0, 9, 8, 7, 6, 5, 4, 3, 2, 1], order);
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_slow_consumer_holds_only_its_prefetch_and_the_producer_is_not_held_up_by_it()
    {
        const int total = 200;
        await Broker.ResetAsync("RmqTests.Slow");
        var consumerProbe = new Probe();
        IHost consumer = await RabbitHost.StartAsync(consumerProbe, t =>
        {
            t.PrefetchPerConsumer = 4;
            t.Endpoint<Slow>(e => e.Consume = true);
        });
        IHost producer = await RabbitHost.StartAsync(new Probe(), _ => { });
        try
        {
            IMessageBus bus = producer.Bus();
            var sends = new List<Task>();
            for (int i = 0; i < total; i++)
            {
                sends.Add(bus.SendAsync(new Slow(i), cancellationToken: TestContext.Current.CancellationToken).AsTask());
            }

            // Every send completes when the broker confirmed it, long before the slow consumer (20 ms each) gets there:
            // the producer keeps nothing back, and the messages wait on the broker, not in either process.
            await Task.WhenAll(sends);
            int handledWhenSent = consumerProbe.Hits.Count;
            uint waiting = await Broker.ReadyCountAsync("RmqTests.Slow");
            Assert.True(handledWhenSent < total / 2, $"{handledWhenSent} were already handled");

            // Only the prefetch (4 for one consumer) is out of the queue and not yet handled.
            Assert.InRange(waiting, (uint)(total - consumerProbe.Hits.Count - 4 - 2), (uint)total);

            await Probe.WaitForAsync(() => consumerProbe.Hits.Count == total, TimeSpan.FromSeconds(60), () => $"{consumerProbe.Hits.Count} of {total}");
        }
        finally
        {
            await producer.StopQuietlyAsync();
            await consumer.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_full_queue_that_rejects_fails_the_send_with_EndpointFullException()
    {
        await Broker.ResetAsync("RmqTests.Bounded");
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t =>
        {
            t.PrefetchPerConsumer = 1;
            t.Endpoint<Bounded>(e =>
            {
                e.Consume = true;
                e.Capacity = 3;
                e.FullMode = EndpointFullMode.Reject;
            });
        });
        try
        {
            IMessageBus bus = host.Bus();
            await bus.SendAsync(new Bounded(0), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.ContainsKey("bounded:0"), TimeSpan.FromSeconds(10), () => "the first message blocks the consumer");
            for (int i = 1; i <= 3; i++)
            {
                await bus.SendAsync(new Bounded(i), cancellationToken: TestContext.Current.CancellationToken);
            }

            EndpointFullException full = await Assert.ThrowsAsync<EndpointFullException>(
                async () => await bus.SendAsync(new Bounded(4), cancellationToken: TestContext.Current.CancellationToken));
            Assert.Equal("RmqTests.Bounded", full.Endpoint);

            probe.Gate.TrySetResult();
            await Probe.WaitForAsync(() => probe.Hits.Count == 4, TimeSpan.FromSeconds(10), () => $"{probe.Hits.Count} handled");
            Assert.False(probe.Hits.ContainsKey("bounded:4"));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task DropNewest_is_refused_at_start_with_the_modes_RabbitMQ_can_do()
    {
        NotSupportedException error = await Assert.ThrowsAsync<NotSupportedException>(() => RabbitHost.StartAsync(new Probe(), t => t.Endpoint<Bounded>(e =>
        {
            e.Consume = true;
            e.FullMode = EndpointFullMode.DropNewest;
        })));
        Assert.Contains("DropOldest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_in_order_consumer_has_acknowledged_every_message_it_handled_once_it_has_stopped()
    {
        const int total = 500;
        await Broker.ResetAsync("RmqTests.Count");
        var probe = new Probe();
        IHost consumer = await RabbitHost.StartAsync(probe, t => t.Endpoint<Count>(e =>
        {
            e.Consume = true;
            e.MaxConcurrency = 1; // settled in order: acknowledgements go out several in one, with multiple set
        }));
        try
        {
            var sends = new List<Task>();
            for (int i = 0; i < total; i++)
            {
                sends.Add(consumer.Bus().SendAsync(new Count(i), cancellationToken: TestContext.Current.CancellationToken).AsTask());
            }

            await Task.WhenAll(sends);
            await Probe.WaitForAsync(() => probe.Hits.Count == total, TimeSpan.FromSeconds(60), () => $"{probe.Hits.Count} of {total}");
        }
        finally
        {
            await consumer.StopQuietlyAsync();
        }

        // The broker puts back what a closed channel left unacknowledged: a handled message whose acknowledgement was
        // held back and never sent would be waiting again now.
        Assert.Equal(0u, await Broker.ReadyCountAsync("RmqTests.Count"));
        Assert.DoesNotContain(probe.Hits, hit => hit.Value > 1);
    }
}
