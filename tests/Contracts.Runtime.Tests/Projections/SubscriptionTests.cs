using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests.Projections;

/// <summary>Subscriptions that start from a time rather than a position.</summary>
public sealed partial class SubscriptionTests
{
    [Event] public partial record Ticked(int N);

    /// <summary>A clock the test moves by hand (timers keep real time).</summary>
    public sealed class HandClock : TimeProvider
    {
        public DateTimeOffset Now = new(2031, 5, 1, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task A_subscription_from_a_time_starts_at_the_first_event_recorded_then_and_goes_on_live()
    {
        var clock = new HandClock();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton<TimeProvider>(clock));
        IEventStore events = host.Get<IEventStore>();
        for (int i = 1; i <= 10; i++)
        {
            clock.Now = clock.Now.AddMinutes(1); // event i at 12:0i
            await events.AppendAsync("ticks", ExpectedVersion.Any, [new Ticked(i)]);
        }

        DateTimeOffset from = new(2031, 5, 1, 12, 6, 30, TimeSpan.Zero);
        Assert.Equal(7, await events.FindPositionAsync(from));
        Assert.Equal(1, await events.FindPositionAsync(DateTimeOffset.MinValue));
        Assert.Equal(11, await events.FindPositionAsync(DateTimeOffset.MaxValue));

        using var timeout = new CancellationTokenSource(TestBus.Timeout);
        var seen = new List<int>();
        await foreach (RecordedEvent recorded in events.SubscribeToAllAsync(from, timeout.Token))
        {
            seen.Add(((Ticked)recorded.Event).N);
            if (seen.Count == 4)
            {
                clock.Now = clock.Now.AddMinutes(1);
                await events.AppendAsync("ticks", ExpectedVersion.Any, [new Ticked(11)]);
            }

            if (seen.Count == 5)
            {
                break;
            }
        }

        Assert.Equal([7, 8, 9, 10, 11], seen);
    }
}
