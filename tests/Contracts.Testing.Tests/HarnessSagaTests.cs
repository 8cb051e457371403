using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Contracts.Testing.Tests.Sagas;

[Command] public partial record Book([property: SagaId] Guid TripId);
[Command] public partial record HoldSeat([property: IdempotencyKey] Guid TripId);
[Command] public partial record ReleaseSeat([property: IdempotencyKey] Guid TripId);
[Event] public partial record Paid([property: SagaId] Guid TripId);
[Command] public partial record PaymentOverdue([property: SagaId] Guid TripId);

public sealed record TripState
{
    public bool Held { get; init; }
}

/// <summary>Holds a seat and waits two hours for the payment; without it, releases the seat.</summary>
[Saga]
public sealed partial class TripSaga : Saga<TripState>, IStartedBy<Book>, IHandles<Paid>, IHandles<PaymentOverdue>
{
    public ValueTask HandleAsync(Book message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Held = true };
        context.Send(new HoldSeat(message.TripId), compensateWith: new ReleaseSeat(message.TripId));
        context.RequestTimeout(new PaymentOverdue(message.TripId), TimeSpan.FromHours(2));
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(Paid message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Complete();
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(PaymentOverdue message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Compensate("not paid in time");
        return ValueTask.CompletedTask;
    }
}

public sealed class Seats : ICommandHandler<HoldSeat>, ICommandHandler<ReleaseSeat>
{
    public ValueTask HandleAsync(HoldSeat command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask HandleAsync(ReleaseSeat command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Saga steps in the harness: started, moved, inspected; a two-hour timeout delivered now; the sends and compensations recorded.</summary>
public sealed class HarnessSagaTests
{
    [Fact]
    public async Task A_saga_started_in_the_harness_is_idle_while_its_timeout_waits_and_compensates_when_it_is_delivered()
    {
        await using ContractsTestHarness harness = await ContractsTestHarness.StartAsync();
        Guid trip = Guid.NewGuid();

        await harness.Bus.SendAsync(new Book(trip));
        await harness.WhenIdleAsync(TimeSpan.FromSeconds(5)); // the two-hour timeout is scheduled, not pending

        SagaInstance<TripState>? running = await harness.SagaAsync<TripSaga, TripState>(trip);
        Assert.NotNull(running);
        Assert.Equal(SagaStatus.Running, running.Status);
        Assert.True(running.State.Held);
        Assert.Equal(["Contracts.Testing.Tests.Sagas.ReleaseSeat"], running.PendingCompensations);
        Assert.Equal([new HoldSeat(trip)], harness.Handled<HoldSeat>());
        Assert.Equal([new PaymentOverdue(trip)], harness.Scheduled<PaymentOverdue>());
        Assert.Empty(harness.Handled<PaymentOverdue>());

        await harness.DeliverScheduledNowAsync<PaymentOverdue>(t => t.TripId == trip);
        await harness.WhenIdleAsync(TimeSpan.FromSeconds(5));

        SagaInstance<TripState>? ended = await harness.SagaAsync<TripSaga, TripState>(trip);
        Assert.Equal(SagaStatus.Compensated, ended!.Status);
        Assert.Empty(ended.PendingCompensations);
        Assert.Equal([new ReleaseSeat(trip)], harness.Handled<ReleaseSeat>());
        Assert.Empty(harness.Scheduled<PaymentOverdue>());
        Assert.Contains(ended.History, h => h.Note == "compensating: not paid in time");
        Assert.Contains(ended.History, h => h.Note == "compensation Contracts.Testing.Tests.Sagas.ReleaseSeat sent");
    }

    [Fact]
    public async Task A_saga_completed_in_the_harness_sends_no_compensation_and_a_timeout_it_cannot_deliver_says_so()
    {
        await using ContractsTestHarness harness = await ContractsTestHarness.StartAsync();
        Guid trip = Guid.NewGuid(), other = Guid.NewGuid();

        await harness.Bus.SendAsync(new Book(trip));
        await harness.WhenIdleAsync(TimeSpan.FromSeconds(5));
        await harness.Bus.PublishAsync(new Paid(trip));
        await harness.WhenIdleAsync(TimeSpan.FromSeconds(5));

        SagaInstance<TripState>? instance = await harness.SagaAsync<TripSaga, TripState>(trip);
        Assert.Equal(SagaStatus.Completed, instance!.Status);
        Assert.Equal(2, instance.Version); // started, paid: the version counts saved steps
        Assert.Empty(harness.Handled<ReleaseSeat>());
        Assert.Null(await harness.SagaAsync<TripSaga, TripState>(other));
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.DeliverScheduledNowAsync<PaymentOverdue>(t => t.TripId == other));
        Assert.Contains("No PaymentOverdue that matches is scheduled", error.Message, StringComparison.Ordinal);
    }
}
