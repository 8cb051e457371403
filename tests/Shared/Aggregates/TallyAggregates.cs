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

[Command] public partial record AddToTally([property: IdempotencyKey] string Key, string TallyId, int Amount);

/// <summary>
/// Adds to a tally inside the delivery's transaction (on an EffectivelyOnce endpoint): loaded in it, saved in it, and
/// loaded again in it when another delivery saved first (PostgreSQL runs deliveries side by side).
/// </summary>
public sealed class AddToTallyHandler(EventSourcing.IAggregateStore aggregates, EventSourcing.IEventStore events, TallyLedger ledger) : ICommandHandler<AddToTally>
{
    public async System.Threading.Tasks.ValueTask HandleAsync(AddToTally command, MessageContext context, System.Threading.CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            Tally tally = await aggregates.LoadAsync<Tally>(command.TallyId, context, cancellationToken);
            if (ledger.AppendStaleFirst)
            {
                try
                {
                    await events.AppendAsync(tally.StreamId, EventSourcing.ExpectedVersion.Exactly(tally.Version + 10), [new TallyAdded(-1000)], EventSourcing.AppendOptions.From(context), cancellationToken);
                }
                catch (EventSourcing.WrongExpectedVersionException)
                {
                    System.Threading.Interlocked.Increment(ref ledger.Refused); // refused, and nothing of it left in the transaction
                }
            }

            tally.Add(command.Amount);
            try
            {
                await aggregates.SaveAsync(tally, EventSourcing.AppendOptions.From(context), cancellationToken);
                break;
            }
            catch (EventSourcing.WrongExpectedVersionException) when (attempt < 50)
            {
                System.Threading.Interlocked.Increment(ref ledger.Conflicts);
            }
        }

        if (ledger.ArchiveAfterSave?.Invoke(command.Key) == true)
        {
            // Read in the delivery's transaction (its own save is seen), then archive at that version, in it too.
            EventSourcing.RecordedEvent? last = null;
            await foreach (EventSourcing.RecordedEvent recorded in events.ReadStreamAsync("tally-" + command.TallyId, context, cancellationToken: cancellationToken))
            {
                last = recorded;
            }

            ledger.SeenBeforeArchive = last is { Event: TallyAdded added } && added.Amount == command.Amount ? last.StreamVersion : -1;
            await events.ArchiveStreamAsync("tally-" + command.TallyId, EventSourcing.ExpectedVersion.Exactly(last?.StreamVersion ?? 0), context, cancellationToken);
        }

        if (ledger.FailAfterSave?.Invoke(command.Key, context.Attempt) == true)
        {
            throw new InvalidOperationException($"{command.Key} fails after its save (attempt {context.Attempt}).");
        }
    }
}

/// <summary>Counts the tally additions published to the bus (the appends' publications, relayed from the outbox).</summary>
[Idempotent]
public sealed class TallyAddedCounter(TallyLedger ledger) : IEventHandler<TallyAdded>
{
    public System.Threading.Tasks.ValueTask HandleAsync(TallyAdded message, MessageContext context, System.Threading.CancellationToken cancellationToken)
    {
        ledger.Published.TryAdd(context.MessageId, message.Amount);
        return System.Threading.Tasks.ValueTask.CompletedTask;
    }
}

/// <summary>What the tally handlers did, and which of their attempts fail.</summary>
public sealed class TallyLedger
{
    public int Conflicts;

    public int Refused;

    /// <summary>Whether the handler first tries an append with a wrong expected version, and catches its refusal.</summary>
    public bool AppendStaleFirst { get; set; }

    public Func<string, int, bool>? FailAfterSave { get; set; }

    /// <summary>Which additions then read their stream and archive it, both in the delivery's transaction.</summary>
    public Func<string, bool>? ArchiveAfterSave { get; set; }

    /// <summary>The version the last archiving handler read its own saved addition at (-1: it did not see it).</summary>
    public long SeenBeforeArchive { get; set; }

    public System.Collections.Concurrent.ConcurrentDictionary<Guid, int> Published { get; } = new();
}
