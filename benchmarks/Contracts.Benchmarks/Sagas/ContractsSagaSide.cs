using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts;

namespace Contracts.Benchmarks.Sagas;

// One saga instance per operation item: Start, then three steps, the third completes it. Each step publishes the
// event of the next, so the saga drives itself through the bus (routing, pipeline, inbox, state load and save).
[Command] public partial record BeginTrip([property: SagaId] Guid TripId);
[Event] public partial record TripLegOne([property: SagaId] Guid TripId);
[Event] public partial record TripLegTwo([property: SagaId] Guid TripId);
[Event] public partial record TripLegThree([property: SagaId] Guid TripId);

public sealed record TripProgress
{
    public int Legs { get; init; }
}

[Saga(Name = "bench.trip")]
public sealed partial class TripSaga(BatchCompletion counter) : Saga<TripProgress>,
    IStartedBy<BeginTrip>, IHandles<TripLegOne>, IHandles<TripLegTwo>, IHandles<TripLegThree>
{
    public ValueTask HandleAsync(BeginTrip message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Publish(new TripLegOne(message.TripId));
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(TripLegOne message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Legs = 1 };
        context.Publish(new TripLegTwo(message.TripId));
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(TripLegTwo message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Legs = 2 };
        context.Publish(new TripLegThree(message.TripId));
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(TripLegThree message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Legs = 3 };
        context.Complete();
        counter.Signal();
        return ValueTask.CompletedTask;
    }
}
