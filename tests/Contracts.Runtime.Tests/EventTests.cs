using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

public sealed partial class EventTests
{
    private const int Events = 50;

    [Event]
    public partial record SomethingHappened(int N);

    [Event]
    public partial record NobodyListens(int N);

    public sealed class Subscribers
    {
        public readonly ConcurrentQueue<int> First = new(), Failing = new(), Last = new(), Blocked = new();
        public readonly SemaphoreSlim FirstDone = new(0), FailingDone = new(0), LastDone = new(0);
        public readonly Gate Gate = new();
    }

    [Idempotent]
    public sealed class FirstSubscriber(Subscribers probe) : IEventHandler<SomethingHappened>
    {
        public ValueTask HandleAsync(SomethingHappened @event, MessageContext context, CancellationToken cancellationToken)
        {
            probe.First.Enqueue(@event.N);
            probe.FirstDone.Release();
            return ValueTask.CompletedTask;
        }
    }

    [Idempotent]
    public sealed class FailingSubscriber(Subscribers probe) : IEventHandler<SomethingHappened>
    {
        public ValueTask HandleAsync(SomethingHappened @event, MessageContext context, CancellationToken cancellationToken)
        {
            probe.Failing.Enqueue(@event.N);
            probe.FailingDone.Release();
            throw new InvalidOperationException($"subscriber fails on {@event.N}");
        }
    }

    [Idempotent]
    public sealed class BlockedSubscriber(Subscribers probe) : IEventHandler<SomethingHappened>
    {
        public async ValueTask HandleAsync(SomethingHappened @event, MessageContext context, CancellationToken cancellationToken)
        {
            await probe.Gate.WaitAsync(cancellationToken);
            probe.Blocked.Enqueue(@event.N);
        }
    }

    [Idempotent]
    public sealed class LastSubscriber(Subscribers probe) : IEventHandler<SomethingHappened>
    {
        public ValueTask HandleAsync(SomethingHappened @event, MessageContext context, CancellationToken cancellationToken)
        {
            probe.Last.Enqueue(@event.N);
            probe.LastDone.Release();
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task An_event_reaches_every_subscriber_once_and_a_failing_or_blocked_one_holds_up_no_other()
    {
        var probe = new Subscribers();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(probe));

        for (int i = 0; i < Events; i++)
        {
            await host.Bus.PublishAsync(new SomethingHappened(i));
        }

        // The blocked subscriber has not handled one event, yet the others have handled all of them.
        await Wait.For(probe.FirstDone, Events);
        await Wait.For(probe.FailingDone, Events);
        await Wait.For(probe.LastDone, Events);
        Assert.Empty(probe.Blocked);

        probe.Gate.Open();
        await host.StopAsync();

        int[] expected = [.. Enumerable.Range(0, Events)];
        Assert.Equal(expected, probe.First.ToArray());
        Assert.Equal(expected, probe.Last.ToArray());
        Assert.Equal(expected, probe.Blocked.ToArray());

        // The failing subscriber ran each event once: its failure re-ran nothing, and nothing re-ran it.
        Assert.Equal(expected, probe.Failing.ToArray());
    }

    [Fact]
    public async Task Publishing_an_event_without_subscribers_is_not_an_error()
    {
        await using TestBus host = await TestBus.StartAsync();

        ValueTask publish = host.Bus.PublishAsync(new NobodyListens(1));

        Assert.True(publish.IsCompletedSuccessfully);
        await publish;
    }
}
