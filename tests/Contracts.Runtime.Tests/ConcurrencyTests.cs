using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

public sealed partial class ConcurrencyTests
{
    [Command] public partial record OneAtATime(int N);
    [Command] public partial record FourAtATime(int N);

    public sealed class Meter
    {
        private int _active, _max;
        public readonly ConcurrentQueue<int> Order = new();
        public readonly SemaphoreSlim Done = new(0);
        public readonly TaskCompletionSource Reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Max => Volatile.Read(ref _max);

        public int Enter(int n, int target)
        {
            Order.Enqueue(n);
            int now = Interlocked.Increment(ref _active);
            int max;
            while (now > (max = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, max) != max)
            {
            }

            if (now >= target)
            {
                Reached.TrySetResult();
            }

            return now;
        }

        public void Exit()
        {
            Interlocked.Decrement(ref _active);
            Done.Release();
        }
    }

    [Idempotent]
    public sealed class OneAtATimeHandler(Meter meter) : ICommandHandler<OneAtATime>
    {
        public async ValueTask HandleAsync(OneAtATime command, MessageContext context, CancellationToken cancellationToken)
        {
            meter.Enter(command.N, target: int.MaxValue);
            await Task.Yield(); // give another worker, if there were one, the chance to overlap
            meter.Exit();
        }
    }

    [Idempotent]
    public sealed class FourAtATimeHandler(Meter meter) : ICommandHandler<FourAtATime>
    {
        public async ValueTask HandleAsync(FourAtATime command, MessageContext context, CancellationToken cancellationToken)
        {
            meter.Enter(command.N, target: 4);
            try
            {
                // Nobody leaves until four are inside at once: with fewer workers this never happens and the test times out.
                await meter.Reached.Task.WaitAsync(TestBus.Timeout, cancellationToken);
            }
            finally
            {
                meter.Exit();
            }
        }
    }

    [Fact]
    public async Task MaxConcurrency_1_handles_in_FIFO_order_one_at_a_time()
    {
        const int count = 300;
        var meter = new Meter();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(meter),
            o => o.UseInMemoryTransport(t => t.Endpoint<OneAtATime>(e => e.MaxConcurrency = 1)));

        for (int i = 0; i < count; i++)
        {
            await host.Bus.SendAsync(new OneAtATime(i));
        }

        await Wait.For(meter.Done, count);
        Assert.Equal(1, meter.Max);
        Assert.Equal(Enumerable.Range(0, count), meter.Order);
    }

    [Fact]
    public async Task MaxConcurrency_4_runs_up_to_four_handlers_at_once()
    {
        const int count = 12;
        var meter = new Meter();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(meter),
            o => o.UseInMemoryTransport(t => t.Endpoint<FourAtATime>(e => e.MaxConcurrency = 4)));

        for (int i = 0; i < count; i++)
        {
            await host.Bus.SendAsync(new FourAtATime(i));
        }

        await Wait.For(meter.Reached.Task);
        await Wait.For(meter.Done, count);
        Assert.Equal(4, meter.Max);
        Assert.Equal(count, meter.Order.Count);
    }
}
