using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>The Wait and Reject endpoints' queue: slots counted without a lock, waiting producers woken at half capacity.</summary>
public sealed partial class EndpointQueueTests
{
    [Command] public partial record Stepped(int N);
    [Command] public partial record Flooded(int Producer, int N);
    [Command] public partial record RejectedWhileFull(int N);

    /// <summary>Lets one message at a time finish: each <see cref="Step"/> releases one handler call.</summary>
    public sealed class Steps
    {
        public readonly SemaphoreSlim Permits = new(0);
        public readonly SemaphoreSlim Entered = new(0);
        public readonly ConcurrentQueue<int> Handled = new();

        public void Step() => Permits.Release();
    }

    [Idempotent]
    public sealed class SteppedHandler(Steps steps) : ICommandHandler<Stepped>
    {
        public async ValueTask HandleAsync(Stepped command, MessageContext context, CancellationToken cancellationToken)
        {
            steps.Entered.Release();
            await steps.Permits.WaitAsync(cancellationToken);
            steps.Handled.Enqueue(command.N);
        }
    }

    [Idempotent]
    public sealed class RejectedWhileFullHandler(Steps steps) : ICommandHandler<RejectedWhileFull>
    {
        public async ValueTask HandleAsync(RejectedWhileFull command, MessageContext context, CancellationToken cancellationToken)
        {
            steps.Entered.Release();
            await steps.Permits.WaitAsync(cancellationToken);
            steps.Handled.Enqueue(command.N);
        }
    }

    public sealed class Tally
    {
        public readonly ConcurrentDictionary<(int, int), int> Seen = new();
        public readonly SemaphoreSlim All = new(0);
        public int Expected;
        private int _count;

        public void Add(int producer, int n)
        {
            Seen.AddOrUpdate((producer, n), 1, static (_, c) => c + 1);
            if (Interlocked.Increment(ref _count) == Expected)
            {
                All.Release();
            }
        }
    }

    [Idempotent]
    public sealed class FloodedHandler(Tally tally) : ICommandHandler<Flooded>
    {
        public async ValueTask HandleAsync(Flooded command, MessageContext context, CancellationToken cancellationToken)
        {
            if (command.N % 7 == 0)
            {
                await Task.Yield(); // some deliveries suspend, as real handlers do
            }

            tally.Add(command.Producer, command.N);
        }
    }

    [Fact]
    public async Task A_waiting_producer_goes_on_once_the_queue_has_drained_to_half_its_capacity()
    {
        var steps = new Steps();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(steps),
            o => o.UseInMemoryTransport(t => t.Endpoint<Stepped>(e => e.Capacity = 4)));

        await host.Bus.SendAsync(new Stepped(0));
        await Wait.For(steps.Entered); // the only worker holds 0; the queue is empty
        for (int i = 1; i <= 4; i++)
        {
            Assert.True(host.Bus.SendAsync(new Stepped(i)).IsCompletedSuccessfully, $"Send {i} waited with room in the queue.");
        }

        Task fifth = host.Bus.SendAsync(new Stepped(5)).AsTask();
        Assert.True(await Wait.StillPending(fifth), "A send into a full queue completed.");

        steps.Step(); // 0 done, 1 taken: three queued, still more than half
        await Wait.For(steps.Entered);
        Assert.True(await Wait.StillPending(fifth), "The waiting send went on before the queue drained to half.");

        steps.Step(); // 1 done, 2 taken: two queued, half of four
        await Wait.For(steps.Entered);
        await Wait.For(fifth);

        for (int i = 0; i < 4; i++)
        {
            steps.Step();
        }

        await Wait.For(host.StopAsync());
        Assert.Equal([0, 1, 2, 3, 4, 5], steps.Handled.ToArray());
    }

    [Fact]
    public async Task Reject_refuses_only_while_the_queue_is_full()
    {
        var steps = new Steps();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(steps),
            o => o.UseInMemoryTransport(t => t.Endpoint<RejectedWhileFull>(e => { e.Capacity = 2; e.FullMode = EndpointFullMode.Reject; })));

        await host.Bus.SendAsync(new RejectedWhileFull(0));
        await Wait.For(steps.Entered);
        await host.Bus.SendAsync(new RejectedWhileFull(1));
        await host.Bus.SendAsync(new RejectedWhileFull(2));
        await Assert.ThrowsAsync<EndpointFullException>(async () => await host.Bus.SendAsync(new RejectedWhileFull(3)));

        steps.Step(); // 0 done, 1 taken: one slot free again
        await Wait.For(steps.Entered);
        await host.Bus.SendAsync(new RejectedWhileFull(4));
        await Assert.ThrowsAsync<EndpointFullException>(async () => await host.Bus.SendAsync(new RejectedWhileFull(5)));

        for (int i = 0; i < 3; i++)
        {
            steps.Step();
        }

        await Wait.For(host.StopAsync());
        Assert.Equal([0, 1, 2, 4], steps.Handled.ToArray());
    }

    [Fact]
    public async Task Many_producers_through_a_small_queue_lose_and_repeat_nothing()
    {
        const int producers = 4;
        const int perProducer = 5_000;
        var tally = new Tally { Expected = producers * perProducer };
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(tally),
            o => o.UseInMemoryTransport(t => t.Endpoint<Flooded>(e => { e.Capacity = 8; e.MaxConcurrency = 2; })));

        var sending = new Task[producers];
        for (int p = 0; p < producers; p++)
        {
            int producer = p;
            sending[p] = Task.Run(async () =>
            {
                for (int n = 0; n < perProducer; n++)
                {
                    await host.Bus.SendAsync(new Flooded(producer, n));
                }
            });
        }

        await Wait.For(Task.WhenAll(sending)); // a lost wake-up leaves a producer waiting for ever
        await Wait.For(tally.All);
        Assert.Equal(producers * perProducer, tally.Seen.Count);
        Assert.All(tally.Seen.Values, count => Assert.Equal(1, count));
    }
}
