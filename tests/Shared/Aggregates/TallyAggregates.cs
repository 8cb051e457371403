using System;

namespace Contracts.Tests.Aggregates;

[Event] public partial record TallyStarted(string Owner);
[Event] public partial record TallyAdded(int Amount);
[Event] public partial record TallyClosed(string Reason);
[Command] public partial record StartTally([property: IdempotencyKey] string TallyId, string Owner);

/// <summary>The state a tally's events give.</summary>
public sealed record TallyState
{
    public string Owner { get; init; } = "";

    public long Total { get; init; }

    public int Count { get; init; }

    public bool Closed { get; init; }
}

/// <summary>An aggregate that snapshots every 100 events.</summary>
[Aggregate(SnapshotEvery = 100)]
public sealed partial class Tally : Aggregate<TallyState>
{
    public void Start(string owner)
    {
        if (Version > 0 || PendingEvents.Count > 0)
        {
            throw new InvalidOperationException($"Tally {Id} is started already.");
        }

        Raise(new TallyStarted(owner));
    }

    public void Add(int amount)
    {
        if (State.Closed)
        {
            throw new InvalidOperationException($"Tally {Id} is closed.");
        }

        Raise(new TallyAdded(amount));
    }

    public void Close(string reason) => Raise(new TallyClosed(reason));

    /// <summary>Raises an event known only as an IEvent: the compiler cannot check it, the run time does.</summary>
    public void RaiseAny(IEvent @event) => Raise(@event);

    private void Apply(TallyStarted e) => State = State with { Owner = e.Owner };

    private void Apply(TallyAdded e) => State = State with { Total = State.Total + e.Amount, Count = State.Count + 1 };

    private void Apply(TallyClosed e) => State = State with { Closed = true };
}

/// <summary>The same streams (name "tally") without snapshots: every load replays the whole stream.</summary>
[Aggregate(Name = "tally")]
public sealed partial class UnsnappedTally : Aggregate<TallyState>
{
    private void Apply(TallyStarted e) => State = State with { Owner = e.Owner };

    private void Apply(TallyAdded e) => State = State with { Total = State.Total + e.Amount, Count = State.Count + 1 };

    private void Apply(TallyClosed e) => State = State with { Closed = true };
}

/// <summary>Starts a tally from a command, so its events name the command as their cause.</summary>
public sealed class StartTallyHandler(EventSourcing.IAggregateStore aggregates, TallyProbe probe) : ICommandHandler<StartTally>
{
    public async System.Threading.Tasks.ValueTask HandleAsync(StartTally command, MessageContext context, System.Threading.CancellationToken cancellationToken)
    {
        Tally tally = await aggregates.LoadAsync<Tally>(command.TallyId, cancellationToken);
        tally.Start(command.Owner);
        await aggregates.SaveAsync(tally, EventSourcing.AppendOptions.From(context), cancellationToken);
        probe.Handled.TrySetResult((context.MessageId, context.CorrelationId));
    }
}

/// <summary>What the handler saw.</summary>
public sealed class TallyProbe
{
    public System.Threading.Tasks.TaskCompletionSource<(Guid MessageId, Guid CorrelationId)> Handled { get; } =
        new(System.Threading.Tasks.TaskCreationOptions.RunContinuationsAsynchronously);
}
