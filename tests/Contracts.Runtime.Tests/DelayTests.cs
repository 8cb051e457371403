using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

public sealed partial class DelayTests
{
    [Command] public partial record Later(int N);
    [Command] public partial record LaterOnAJumpyClock(int N);

    public sealed class Arrivals
    {
        public readonly Stopwatch Clock = new();
        public readonly TaskCompletionSource<TimeSpan> Arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A clock that moves one second every time it is read: time passes between any two looks at it.</summary>
    public sealed class JumpyClock : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    [Idempotent]
    public sealed class LaterHandler(Arrivals arrivals) : ICommandHandler<Later>
    {
        public ValueTask HandleAsync(Later command, MessageContext context, CancellationToken cancellationToken)
        {
            arrivals.Arrived.TrySetResult(arrivals.Clock.Elapsed);
            return ValueTask.CompletedTask;
        }
    }

    [Idempotent]
    public sealed class LaterOnAJumpyClockHandler(Arrivals arrivals) : ICommandHandler<LaterOnAJumpyClock>
    {
        public ValueTask HandleAsync(LaterOnAJumpyClock command, MessageContext context, CancellationToken cancellationToken)
        {
            arrivals.Arrived.TrySetResult(arrivals.Clock.Elapsed);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_delayed_send_arrives_no_earlier_than_its_delay()
    {
        var delay = TimeSpan.FromMilliseconds(400);
        var arrivals = new Arrivals();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(arrivals));

        arrivals.Clock.Start();
        ValueTask send = host.Bus.SendAsync(new Later(1), new SendOptions { Delay = delay });
        Assert.True(send.IsCompletedSuccessfully); // scheduling does not wait for the delay
        TimeSpan arrivedAfter = await Wait.For(arrivals.Arrived.Task);

        // Timers may round down by a millisecond or so; nothing may arrive meaningfully early.
        Assert.True(arrivedAfter >= delay - TimeSpan.FromMilliseconds(15), $"Arrived after {arrivedAfter}, before the {delay} delay.");
    }

    [Fact]
    public async Task DeliverAt_in_the_past_delivers_at_once()
    {
        var arrivals = new Arrivals();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(arrivals));

        arrivals.Clock.Start();
        await host.Bus.SendAsync(new Later(1), new SendOptions { DeliverAt = DateTimeOffset.UtcNow.AddMinutes(-1) });

        Assert.True(await Wait.For(arrivals.Arrived.Task) < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_delayed_send_whose_due_time_passes_while_it_is_scheduled_is_still_delivered()
    {
        var arrivals = new Arrivals();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(arrivals).AddSingleton<TimeProvider>(new JumpyClock()));

        // Sent at t, checked at t+1s (still due later), scheduled at t+2s: the due time t+1.5s has passed by then.
        await host.Bus.SendAsync(new LaterOnAJumpyClock(1), new SendOptions { Delay = TimeSpan.FromSeconds(1.5) });

        await Wait.For(arrivals.Arrived.Task);
    }
}
