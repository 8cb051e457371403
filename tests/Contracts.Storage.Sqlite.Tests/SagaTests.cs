using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

[Command] public partial record OpenCounter([property: SagaId] Guid CounterId);
[Event] public partial record Bumped([property: SagaId] Guid CounterId, [property: IdempotencyKey] int Number);

public sealed record CounterState
{
    public int Count { get; init; }

    public long Sum { get; init; }
}

/// <summary>Counts its events: a lost update shows as a count below the number published.</summary>
[Saga]
public sealed partial class CounterSaga : Saga<CounterState>, IStartedBy<OpenCounter>, IHandles<Bumped>
{
    public ValueTask HandleAsync(OpenCounter message, SagaContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask HandleAsync(Bumped message, SagaContext context, CancellationToken cancellationToken)
    {
        CounterState before = State;
        await Task.Yield(); // steps of one instance overlap between their read and their save
        State = before with { Count = before.Count + 1, Sum = before.Sum + message.Number };
    }
}

/// <summary>Sagas on SQLite: state in contracts_sagas, concurrent steps of one instance from several workers.</summary>
public sealed class SagaTests
{
    [Theory]
    [InlineData(DeliveryMode.EffectivelyOnce)] // in the consume transaction: the load takes the write lock
    [InlineData(DeliveryMode.AtLeastOnce)]     // no transaction: compare-and-swap on the version, the loser runs again
    public async Task Many_events_for_one_instance_from_several_workers_lose_no_update(DeliveryMode delivery)
    {
        const int events = 300;
        using var database = new TempDatabase();
        await using SqliteBus bus = await SqliteBus.StartAsync(database, transport: t => t.Endpoint<Bumped>(e =>
        {
            e.MaxConcurrency = 8;
            e.Delivery = delivery;
        }));
        Guid id = Guid.NewGuid();
        await bus.Bus.SendAsync(new OpenCounter(id));
        ISagas sagas = bus.Get<ISagas>();
        await Wait.Until(() => sagas.FindAsync<CounterSaga, CounterState>(id).AsTask().Result is not null, "the counter started");

        await Parallel.ForAsync(0, events, async (i, ct) => await bus.Bus.PublishAsync(new Bumped(id, i + 1), cancellationToken: ct));
        await Wait.Until(() => sagas.FindAsync<CounterSaga, CounterState>(id).AsTask().Result?.State.Count == events, $"{events} bumps were counted");

        SagaInstance<CounterState>? instance = await sagas.FindAsync<CounterSaga, CounterState>(id);
        Assert.Equal(events * (events + 1L) / 2, instance!.State.Sum);
        Assert.Equal(events + 1, instance.Version);
        Assert.Equal(events + 1, database.Scalar($"SELECT version FROM contracts_sagas WHERE saga_id = '{id:N}'"));
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_dead_letters"));
    }

    [Fact]
    public async Task A_saga_instance_survives_a_restart_of_the_bus()
    {
        using var database = new TempDatabase();
        Guid id = Guid.NewGuid();
        await using (SqliteBus first = await SqliteBus.StartAsync(database))
        {
            await first.Bus.SendAsync(new OpenCounter(id));
            ISagas sagas = first.Get<ISagas>();
            await Wait.Until(() => sagas.FindAsync<CounterSaga, CounterState>(id).AsTask().Result is not null, "the counter started"); // a bump before it runs no step
            await first.Bus.PublishAsync(new Bumped(id, 5));
            await Wait.Until(() => sagas.FindAsync<CounterSaga, CounterState>(id).AsTask().Result?.State.Count == 1, "the first bump was counted");
        }

        await using SqliteBus second = await SqliteBus.StartAsync(database);
        await second.Bus.PublishAsync(new Bumped(id, 7));
        ISagas again = second.Get<ISagas>();
        await Wait.Until(() => again.FindAsync<CounterSaga, CounterState>(id).AsTask().Result?.State.Count == 2, "the second bump was counted");
        SagaInstance<CounterState>? instance = await again.FindAsync<CounterSaga, CounterState>(id);
        Assert.Equal(12, instance!.State.Sum);
        Assert.Equal(SagaStatus.Running, instance.Status);
        Assert.Equal("started", instance.History[0].Note);
    }
}
