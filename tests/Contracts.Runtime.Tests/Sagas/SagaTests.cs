using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests.Sagas;

/// <summary>The order saga in memory: each way it ends, its compensations in reverse order, its timeout, its history.</summary>
public sealed class SagaTests
{
    private static Task<TestBus> StartAsync(Ledger ledger, Arrivals? arrivals = null) =>
        TestBus.StartAsync(services =>
        {
            services.AddSingleton(ledger);
            if (arrivals is not null)
            {
                services.AddSingleton(arrivals);
                services.AddSingleton<IConsumeMiddleware, ArrivalMiddleware>();
            }
        });

    /// <summary>The contract names of the deliveries that reached a handler (past what turns a message away).</summary>
    public sealed class Arrivals
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Seen { get; } = new();
    }

    public sealed class ArrivalMiddleware(Arrivals arrivals) : IConsumeMiddleware
    {
        public ValueTask InvokeAsync(ConsumeContext context, ConsumeDelegate next)
        {
            arrivals.Seen.Enqueue(context.Envelope.Contract.Name);
            return next(context);
        }
    }

    private static async Task<SagaInstance<OrderState>> EndedAsync(TestBus bus, Guid id)
    {
        ISagas sagas = bus.Get<ISagas>();
        DateTime until = DateTime.UtcNow + TestBus.Timeout;
        while (true)
        {
            SagaInstance<OrderState>? instance = await sagas.FindAsync<OrderSaga, OrderState>(id);
            if (instance is { Status: not SagaStatus.Running })
            {
                return instance;
            }

            Assert.True(DateTime.UtcNow < until, $"Saga {id} did not end: {instance?.Status}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_confirmed_shipment_completes_the_saga_and_cancels_its_timeout()
    {
        var ledger = new Ledger();
        var arrivals = new Arrivals();
        await using TestBus bus = await StartAsync(ledger, arrivals);
        Guid id = Guid.NewGuid();

        await bus.Bus.SendAsync(new PlaceOrder(id, "4242", ShipmentConfirms: true));
        SagaInstance<OrderState> instance = await EndedAsync(bus, id);

        Assert.Equal(SagaStatus.Completed, instance.Status);
        Assert.Equal(4, instance.State.Steps);
        Assert.True(instance.State.Charged);
        Assert.Empty(instance.PendingCompensations);
        Assert.Equal(4, instance.Version);
        Assert.Contains(instance.History, h => h.Note == "started" && h.Message == "SagaTests.PlaceOrder");
        Assert.Contains(instance.History, h => h.Note.StartsWith("sent SagaTests.ReserveStock (compensation SagaTests.ReleaseStock)", StringComparison.Ordinal));
        Assert.Contains(instance.History, h => h.Note.StartsWith("timeout SagaTests.ShipmentOverdue requested", StringComparison.Ordinal));
        Assert.Equal("completed", instance.History[^1].Note);

        // The end cancelled the timeout: it never reaches the saga's endpoint, so no step runs and nothing changes.
        await Task.Delay(OrderSaga.ShipmentTimeout * 3);
        SagaInstance<OrderState>? later = await bus.Get<ISagas>().FindAsync<OrderSaga, OrderState>(id);
        Assert.Equal(4, later!.Version);
        Assert.Equal(["reserved", "charged", "shipping", "completed"], ledger.Of(id));
        Assert.Contains("SagaTests.ShipmentConfirmed", arrivals.Seen);
        Assert.DoesNotContain("SagaTests.ShipmentOverdue", arrivals.Seen);
    }

    [Fact]
    public async Task A_declined_card_releases_the_stock_once_and_refunds_nothing()
    {
        var ledger = new Ledger();
        await using TestBus bus = await StartAsync(ledger);
        Guid id = Guid.NewGuid();

        await bus.Bus.SendAsync(new PlaceOrder(id, "declined", ShipmentConfirms: true));
        SagaInstance<OrderState> instance = await EndedAsync(bus, id);
        await ledger.WaitFor(id, "released");

        Assert.Equal(SagaStatus.Compensated, instance.Status);
        Assert.Empty(instance.PendingCompensations);
        Assert.Contains(instance.History, h => h.Note == "compensating: card declined: insufficient funds");
        Assert.Contains(instance.History, h => h.Note == "compensation SagaTests.ReleaseStock sent");
        await Task.Delay(100);
        Assert.Equal(["reserved", "declined", "released"], ledger.Of(id));
    }

    [Fact]
    public async Task A_shipment_that_does_not_confirm_in_time_is_compensated_newest_first()
    {
        var ledger = new Ledger();
        await using TestBus bus = await StartAsync(ledger);
        Guid id = Guid.NewGuid();

        await bus.Bus.SendAsync(new PlaceOrder(id, "4242", ShipmentConfirms: false));
        SagaInstance<OrderState> instance = await EndedAsync(bus, id);
        await ledger.WaitFor(id, "released");
        await ledger.WaitFor(id, "refunded");
        await ledger.WaitFor(id, "shipment cancelled");

        Assert.Equal(SagaStatus.Compensated, instance.Status);
        string[] sent = [.. instance.History.Where(h => h.Note.StartsWith("compensation ", StringComparison.Ordinal) && h.Note.EndsWith(" sent", StringComparison.Ordinal)).Select(h => h.Note)];
        Assert.Equal(["compensation SagaTests.CancelShipment sent", "compensation SagaTests.RefundCard sent", "compensation SagaTests.ReleaseStock sent"], sent);
        Assert.Equal(1, ledger.Of(id).Count(x => x == "released"));
        Assert.Equal(1, ledger.Of(id).Count(x => x == "refunded"));
    }

    [Fact]
    public async Task A_message_for_an_instance_that_does_not_exist_and_does_not_start_one_runs_no_step()
    {
        var ledger = new Ledger();
        await using TestBus bus = await StartAsync(ledger);
        Guid id = Guid.NewGuid();

        await bus.Bus.PublishAsync(new ShipmentConfirmed(id));
        await bus.Bus.SendAsync(new ShipmentOverdue(id));
        await Task.Delay(100);

        Assert.Null(await bus.Get<ISagas>().FindAsync<OrderSaga, OrderState>(id));
        Assert.Empty(ledger.Of(id));
    }

    [Fact]
    public async Task Instances_are_listed_by_status()
    {
        var ledger = new Ledger();
        await using TestBus bus = await StartAsync(ledger);
        Guid completed = Guid.NewGuid(), declined = Guid.NewGuid();

        await bus.Bus.SendAsync(new PlaceOrder(completed, "4242", ShipmentConfirms: true));
        await bus.Bus.SendAsync(new PlaceOrder(declined, "declined", ShipmentConfirms: true));
        await EndedAsync(bus, completed);
        await EndedAsync(bus, declined);

        IReadOnlyList<SagaInstance<OrderState>> compensated = await bus.Get<ISagas>().ListAsync<OrderSaga, OrderState>(SagaStatus.Compensated);
        Assert.Contains(compensated, i => i.SagaId == declined.ToString("N"));
        Assert.DoesNotContain(compensated, i => i.SagaId == completed.ToString("N"));
    }
}
