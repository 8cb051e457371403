using System;
using System.Collections.Concurrent;
using System.Linq;
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
    [Command] public partial record Forwarded(int N);
    [Command] public partial record Asked(int N);

    /// <summary>Two endpoints whose handlers wait on each other.</summary>
    public sealed class Loop
    {
        public readonly TaskCompletionSource FirstForwarded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource AskedSending = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly ConcurrentDictionary<int, TaskCompletionSource> Answered = new();
        public readonly ConcurrentQueue<int> Forwarded = new();
        public readonly SemaphoreSlim AllForwarded = new(0);

        public TaskCompletionSource AnswerTo(int n) => Answered.GetOrAdd(n, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    [Idempotent]
    public sealed class ForwardedHandler(Loop loop) : ICommandHandler<Forwarded>
    {
        public async ValueTask HandleAsync(Forwarded command, MessageContext context, CancellationToken cancellationToken)
        {
            if (command.N == 0)
            {
                loop.FirstForwarded.TrySetResult();
                await loop.Release.Task.WaitAsync(cancellationToken);
            }
            else if (command.N < 5)
            {
                // Needs the other endpoint, whose only worker is waiting to send here.
                await context.SendAsync(new Asked(command.N), cancellationToken);
                await loop.AnswerTo(command.N).Task.WaitAsync(cancellationToken);
            }

            loop.Forwarded.Enqueue(command.N);
            if (loop.Forwarded.Count == 6)
            {
                loop.AllForwarded.Release();
            }
        }
    }

    [Idempotent]
    public sealed class AskedHandler(Loop loop) : ICommandHandler<Asked>
    {
        public async ValueTask HandleAsync(Asked command, MessageContext context, CancellationToken cancellationToken)
        {
            if (command.N == 0)
            {
                loop.AskedSending.TrySetResult();
                await context.SendAsync(new Forwarded(5), cancellationToken); // waits: Forwarded's queue is full
            }

            loop.AnswerTo(command.N).TrySetResult();
        }
    }

    /// <summary>Lets one message at a time finish: each <see cref="Step"/> releases one handler call.</summary>
    public sealed class Steps
    {
        public readonly SemaphoreSlim Permits = new(0);
        public readonly SemaphoreSlim Entered = new(0);
        public readonly ConcurrentQueue<int> Handled = new();

        public void Step() => Permits.Release();

        public async ValueTask HandleAsync(int n, CancellationToken cancellationToken)
        {
            Entered.Release();
            await Permits.WaitAsync(cancellationToken);
            Handled.Enqueue(n);
        }
    }

    [Idempotent] public sealed class SteppedHandler(Steps steps) : ICommandHandler<Stepped> { public ValueTask HandleAsync(Stepped c, MessageContext x, CancellationToken t) => steps.HandleAsync(c.N, t); }
    [Idempotent] public sealed class RejectedWhileFullHandler(Steps steps) : ICommandHandler<RejectedWhileFull> { public ValueTask HandleAsync(RejectedWhileFull c, MessageContext x, CancellationToken t) => steps.HandleAsync(c.N, t); }

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
    public async Task A_waiting_producer_goes_on_as_soon_as_a_slot_is_free_and_order_is_kept()
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
        Task sixth = host.Bus.SendAsync(new Stepped(6)).AsTask();
        Assert.True(await Wait.StillPending(fifth), "A send into a full queue completed.");

        steps.Step(); // 0 done, 1 taken: one slot free, for one of the two waiting sends
        await Wait.For(steps.Entered);
        await Wait.For(Task.WhenAny(fifth, sixth));
        Assert.False(fifth.IsCompleted && sixth.IsCompleted, "Two sends went into one free slot.");

        steps.Step(); // 1 done, 2 taken: the other goes on
        await Wait.For(steps.Entered);
        await Wait.For(Task.WhenAll(fifth, sixth));

        for (int i = 0; i < 5; i++)
        {
            steps.Step();
        }

        await Wait.For(host.StopAsync());
        Assert.Equal([0, 1, 2, 3, 4], steps.Handled.Take(5));
        Assert.Equal([5, 6], steps.Handled.Skip(5).Order());
    }

    /// <summary>A producer stuck on a full queue goes on at the first free slot, even when the consumer then waits on that producer's endpoint.</summary>
    [Fact]
    public async Task Endpoints_that_wait_on_each_other_do_not_stall_when_one_is_full()
    {
        var loop = new Loop();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(loop),
            o => o.UseInMemoryTransport(t =>
            {
                t.Endpoint<Forwarded>(e => e.Capacity = 4);
                t.Endpoint<Asked>(e => e.Capacity = 4);
            }));

        await host.Bus.SendAsync(new Forwarded(0));
        await Wait.For(loop.FirstForwarded.Task); // the only worker of Forwarded holds 0
        for (int i = 1; i <= 4; i++)
        {
            await host.Bus.SendAsync(new Forwarded(i)); // the queue of Forwarded is full
        }

        await host.Bus.SendAsync(new Asked(0)); // its handler sends Forwarded 5 and waits for room
        await Wait.For(loop.AskedSending.Task);

        // 0 done, 1 taken: one slot is free. 1's handler waits for Asked 1, behind Asked 0, which waits for that slot.
        loop.Release.TrySetResult();
        await Wait.For(loop.AllForwarded);
        Assert.Equal([0, 1, 2, 3, 4, 5], loop.Forwarded.Order());
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
