using System;
using MassTransit;

namespace Contracts.Benchmarks.Sagas.MassTransitPeer;

// MassTransit 8.5.12: the same process as a state machine saga on its in-memory repository and in-memory transport.
public sealed record BeginTrip(Guid TripId);

public sealed record TripLegOne(Guid TripId);

public sealed record TripLegTwo(Guid TripId);

public sealed record TripLegThree(Guid TripId);

public sealed class TripState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }

    public string CurrentState { get; set; } = "";

    public int Legs { get; set; }
}

public sealed class TripStateMachine : MassTransitStateMachine<TripState>
{
    public TripStateMachine(BatchCompletion counter)
    {
        InstanceState(x => x.CurrentState);
        Event(() => Begin, x => x.CorrelateById(context => context.Message.TripId));
        Event(() => LegOne, x => x.CorrelateById(context => context.Message.TripId));
        Event(() => LegTwo, x => x.CorrelateById(context => context.Message.TripId));
        Event(() => LegThree, x => x.CorrelateById(context => context.Message.TripId));

        // Publish(factory) publishes the record as built; Init<T>(values) would look for a parameterless constructor,
        // which a positional record lacks, and fault every saga's first step (why this peer once never finished).
        Initially(When(Begin).Publish(context => new TripLegOne(context.Message.TripId)).TransitionTo(Started));
        During(Started, When(LegOne).Then(context => context.Saga.Legs = 1).Publish(context => new TripLegTwo(context.Message.TripId)).TransitionTo(First));
        During(First, When(LegTwo).Then(context => context.Saga.Legs = 2).Publish(context => new TripLegThree(context.Message.TripId)).TransitionTo(Second));
        During(Second, When(LegThree).Then(context => context.Saga.Legs = 3).Finalize());

        // The batch's completion is signalled on entering the final state, once per saga.
        WhenEnter(Final, x => x.Then(_ => counter.Signal()));

        // A finished instance is removed from the repository, as a production MassTransit saga would do.
        SetCompletedWhenFinalized();
    }

    public State Started { get; private set; } = null!;

    public State First { get; private set; } = null!;

    public State Second { get; private set; } = null!;

    public Event<BeginTrip> Begin { get; private set; } = null!;

    public Event<TripLegOne> LegOne { get; private set; } = null!;

    public Event<TripLegTwo> LegTwo { get; private set; } = null!;

    public Event<TripLegThree> LegThree { get; private set; } = null!;
}
