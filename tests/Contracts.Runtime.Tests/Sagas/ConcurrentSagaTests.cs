using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests.Sagas;

[Command(Name = "SagaTests.OpenTally")] public partial record OpenTally([property: SagaId] string TallyId);
[Event(Name = "SagaTests.Counted")] public partial record Counted([property: SagaId] string TallyId, [property: IdempotencyKey] int Number);

public sealed record TallyState
{
    public int Count { get; init; }

    public long Sum { get; init; }
}

/// <summary>Counts every event for its instance: a lost update shows as a count below the number sent.</summary>
[Saga(Name = "SagaTests.Tally")]
public sealed partial class TallySaga : Saga<TallyState>, IStartedBy<OpenTally>, IHandles<Counted>
{
    public static int Steps;

    public ValueTask HandleAsync(OpenTally message, SagaContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask HandleAsync(Counted message, SagaContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Steps);
        TallyState before = State;
        await Task.Yield(); // widen the window between read and save, so concurrent steps really overlap
        State = before with { Count = before.Count + 1, Sum = before.Sum + message.Number };
    }
}

public sealed class ConcurrentSagaTests
{
    [Fact]
    public async Task Many_events_for_one_instance_from_several_workers_lose_no_update()
    {
        const int events = 400;
        await using TestBus bus = await TestBus.StartAsync(configure: o => o.UseInMemoryTransport(t =>
            t.Endpoint<Counted>(e => e.MaxConcurrency = 8)));
        string id = "tally-" + Guid.NewGuid().ToString("N");
        await bus.Bus.SendAsync(new OpenTally(id));
        while (await bus.Get<ISagas>().FindAsync<TallySaga, TallyState>(id) is null)
        {
            await Task.Delay(5);
        }

        int stepsBefore = Volatile.Read(ref TallySaga.Steps);
        await Parallel.ForAsync(0, events, async (i, ct) => await bus.Bus.PublishAsync(new Counted(id, i + 1), cancellationToken: ct));

        SagaInstance<TallyState>? instance = null;
        DateTime until = DateTime.UtcNow + TestBus.Timeout;
        while (instance?.State.Count != events && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
            instance = await bus.Get<ISagas>().FindAsync<TallySaga, TallyState>(id);
        }

        Assert.Equal(events, instance!.State.Count);
        Assert.Equal(events * (events + 1L) / 2, instance.State.Sum);
        Assert.Equal(events + 1, instance.Version);

        // Steps that lost a race ran again: more steps ran than were saved, and none of them was lost.
        int ran = Volatile.Read(ref TallySaga.Steps) - stepsBefore;
        Assert.True(ran >= events, $"{ran} steps ran for {events} events");
    }
}
