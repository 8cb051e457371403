using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Runtime.Tests;

public sealed partial class ShutdownTests
{
    [Command] public partial record DrainWork(int N);
    [Command] public partial record ChainStep(int Remaining);
    [Command] public partial record StuckWork(int N);
    [Command] public partial record DeafWork(int N);
    [Command] public partial record AfterStop(int N);
    [Command] public partial record WithExplodingScope(int N);
    [Command] public partial record HostedWork(int N);
    [Command] public partial record SyncDisposed(int N);
    [Command] public partial record BlockedAtStop(int N);

    public sealed class Chain
    {
        public readonly ConcurrentQueue<int> Steps = new();
    }

    public sealed class Stuck
    {
        public int Entered;
        public readonly TaskCompletionSource FirstEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly Gate Gate = new();
    }

    public sealed class ExplodingResource : IDisposable
    {
        public void Dispose() => throw new InvalidOperationException("dispose failed");
    }

    [Idempotent]
    public sealed class DrainWorkHandler(Lane lane) : ICommandHandler<DrainWork>
    {
        public async ValueTask HandleAsync(DrainWork command, MessageContext context, CancellationToken cancellationToken)
        {
            await lane.HandleAsync(command.N, cancellationToken);
            if (command.N == 5)
            {
                // Sent while the bus drains: it must still be handled before StopAsync returns.
                await context.SendAsync(new ChainStep(3), cancellationToken);
            }
        }
    }

    [Idempotent]
    public sealed class ChainStepHandler(Chain chain) : ICommandHandler<ChainStep>
    {
        public async ValueTask HandleAsync(ChainStep command, MessageContext context, CancellationToken cancellationToken)
        {
            await Task.Yield();
            chain.Steps.Enqueue(command.Remaining);
            if (command.Remaining > 0)
            {
                await context.SendAsync(new ChainStep(command.Remaining - 1), cancellationToken);
            }
        }
    }

    [Idempotent]
    public sealed class StuckWorkHandler(Stuck stuck) : ICommandHandler<StuckWork>
    {
        public async ValueTask HandleAsync(StuckWork command, MessageContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref stuck.Entered);
            stuck.FirstEntered.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                stuck.Cancelled.TrySetResult();
                throw;
            }
        }
    }

    [Idempotent]
    public sealed class DeafWorkHandler(Stuck stuck) : ICommandHandler<DeafWork>
    {
        public async ValueTask HandleAsync(DeafWork command, MessageContext context, CancellationToken cancellationToken)
        {
            stuck.FirstEntered.TrySetResult();
            await stuck.Gate.WaitAsync(CancellationToken.None); // ignores its token on purpose
        }
    }

    [Idempotent]
    public sealed class AfterStopHandler : ICommandHandler<AfterStop>
    {
        public ValueTask HandleAsync(AfterStop command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Idempotent]
    public sealed class WithExplodingScopeHandler(ExplodingResource resource, Lane lane) : ICommandHandler<WithExplodingScope>
    {
        public ValueTask HandleAsync(WithExplodingScope command, MessageContext context, CancellationToken cancellationToken)
        {
            GC.KeepAlive(resource);
            return lane.HandleAsync(command.N, cancellationToken);
        }
    }

    [Idempotent]
    public sealed class HostedWorkHandler(Lane lane) : ICommandHandler<HostedWork>
    {
        public ValueTask HandleAsync(HostedWork command, MessageContext context, CancellationToken cancellationToken) => lane.HandleAsync(command.N, cancellationToken);
    }

    [Fact]
    public async Task StopAsync_drains_queued_and_in_flight_messages_and_what_handlers_send_meanwhile()
    {
        var lane = new Lane();
        var chain = new Chain();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(lane).AddSingleton(chain));
        for (int i = 0; i <= 5; i++)
        {
            await host.Bus.SendAsync(new DrainWork(i));
        }

        await Wait.For(lane.FirstEntered.Task);
        Task stop = host.StopAsync();
        Assert.True(await Wait.StillPending(stop), "StopAsync returned while a handler was still running.");
        Assert.Empty(lane.Handled);

        lane.Gate.Open();
        await Wait.For(stop);

        Assert.Equal([0, 1, 2, 3, 4, 5], lane.Handled.ToArray());
        Assert.Equal([3, 2, 1, 0], chain.Steps.ToArray());
    }

    [Fact]
    public async Task A_stuck_handler_is_cancelled_after_the_shutdown_timeout_and_queued_work_is_not_started()
    {
        var stuck = new Stuck();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(stuck), o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        await host.Bus.SendAsync(new StuckWork(0));
        await host.Bus.SendAsync(new StuckWork(1));
        await Wait.For(stuck.FirstEntered.Task);

        var watch = Stopwatch.StartNew();
        await Wait.For(host.StopAsync());

        Assert.True(stuck.Cancelled.Task.IsCompleted, "The stuck handler's token was not cancelled.");
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(10));
        Assert.Equal(1, Volatile.Read(ref stuck.Entered));
    }

    [Fact]
    public async Task A_handler_that_ignores_cancellation_does_not_hold_StopAsync_past_the_hosts_token()
    {
        var stuck = new Stuck();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(stuck), o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(100));
        await host.Bus.SendAsync(new DeafWork(0));
        await Wait.For(stuck.FirstEntered.Task);

        try
        {
            using var hostToken = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
            await Wait.For(host.StopAsync(hostToken.Token));
        }
        finally
        {
            stuck.Gate.Open();
        }
    }

    [Idempotent]
    public sealed class BlockedAtStopHandler(Stuck stuck) : ICommandHandler<BlockedAtStop>
    {
        public async ValueTask HandleAsync(BlockedAtStop command, MessageContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref stuck.Entered);
            stuck.FirstEntered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    [Fact]
    public async Task A_send_still_waiting_for_room_when_the_drain_times_out_fails_with_the_stopped_exception()
    {
        var stuck = new Stuck();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(stuck),
            o =>
            {
                o.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
                o.UseInMemoryTransport(t => t.Endpoint<BlockedAtStop>(e => e.Capacity = 1));
            });
        await host.Bus.SendAsync(new BlockedAtStop(0));
        await Wait.For(stuck.FirstEntered.Task);
        await host.Bus.SendAsync(new BlockedAtStop(1));
        Task waiting = host.Bus.SendAsync(new BlockedAtStop(2)).AsTask();

        await Wait.For(host.StopAsync());

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Wait.For(waiting));
        Assert.Contains("The bus has stopped", ex.Message);
        Assert.Equal(1, Volatile.Read(ref stuck.Entered));
    }

    [Fact]
    public async Task Sending_after_stop_throws_a_clear_InvalidOperationException()
    {
        await using TestBus host = await TestBus.StartAsync();
        await host.Bus.SendAsync(new AfterStop(1));
        await host.StopAsync();

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await host.Bus.SendAsync(new AfterStop(2)));

        Assert.Contains("stopped", ex.Message);
        Assert.Contains(Descriptor.Of<AfterStop>().Name, ex.Message);
    }

    [Fact]
    public async Task A_scoped_service_that_throws_on_dispose_does_not_stop_the_endpoint()
    {
        var lane = new Lane();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(lane).AddScoped<ExplodingResource>());

        for (int i = 1; i <= 3; i++)
        {
            await host.Bus.SendAsync(new WithExplodingScope(i));
        }

        await Wait.For(lane.Done, 3);
        await Wait.For(host.StopAsync());
        Assert.Equal([1, 2, 3], lane.Handled.ToArray());
    }

    [Idempotent]
    public sealed class SyncDisposedHandler(Stuck stuck) : ICommandHandler<SyncDisposed>
    {
        public async ValueTask HandleAsync(SyncDisposed command, MessageContext context, CancellationToken cancellationToken)
        {
            stuck.FirstEntered.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                stuck.Cancelled.TrySetResult();
                throw;
            }
        }
    }

    [Fact]
    public async Task A_service_provider_disposed_synchronously_stops_the_bus_at_once()
    {
        var stuck = new Stuck();
        IServiceCollection services = new ServiceCollection().AddSingleton(stuck).AddContracts();
        ServiceProvider provider = services.BuildServiceProvider();
        foreach (IHostedService hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        IMessageBus bus = provider.GetRequiredService<IMessageBus>();
        await bus.SendAsync(new SyncDisposed(1));
        await Wait.For(stuck.FirstEntered.Task);

        provider.Dispose(); // threw "only implements IAsyncDisposable" before the runtime was IDisposable

        await Wait.For(stuck.Cancelled.Task);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await bus.SendAsync(new SyncDisposed(2)));
    }

    [Fact]
    public async Task The_generic_host_starts_the_bus_and_drains_it_on_stop()
    {
        var lane = new Lane();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(lane);
        builder.Services.AddContracts(o => o.UseInMemoryTransport());
        using IHost app = builder.Build();
        await app.StartAsync();

        IMessageBus bus = app.Services.GetRequiredService<IMessageBus>();
        await bus.SendAsync(new HostedWork(0));
        await bus.SendAsync(new HostedWork(1));
        await Wait.For(lane.FirstEntered.Task);
        Task stop = app.StopAsync();
        Assert.True(await Wait.StillPending(stop));
        lane.Gate.Open();
        await Wait.For(stop);

        Assert.Equal([0, 1], lane.Handled.ToArray());
    }
}
