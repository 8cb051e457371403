using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

[Command(Name = "SqliteTimeouts.OpenReminder")] public partial record OpenReminder([property: SagaId] Guid ReminderId);
[Command(Name = "SqliteTimeouts.CloseReminder")] public partial record CloseReminder([property: SagaId] Guid ReminderId);
[Command(Name = "SqliteTimeouts.ReminderDue")] public partial record ReminderDue([property: SagaId] Guid ReminderId);

public sealed record ReminderState
{
    public bool Fired { get; init; }
}

/// <summary>Asks for a timeout when it opens; closing it first must cancel the timeout.</summary>
[Saga]
public sealed partial class ReminderSaga : Saga<ReminderState>, IStartedBy<OpenReminder>, IHandles<CloseReminder>, IHandles<ReminderDue>
{
    public static readonly TimeSpan After = TimeSpan.FromSeconds(1.5);

    public ValueTask HandleAsync(OpenReminder message, SagaContext context, CancellationToken cancellationToken)
    {
        context.RequestTimeout(new ReminderDue(message.ReminderId), After);
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(CloseReminder message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Complete();
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(ReminderDue message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Fired = true };
        context.Fail("the reminder was not closed in time");
        return ValueTask.CompletedTask;
    }
}

/// <summary>The contract names of the deliveries that reached a handler.</summary>
public sealed class SeenDeliveries : IConsumeMiddleware
{
    public ConcurrentQueue<string> Seen { get; } = new();

    public ValueTask InvokeAsync(ConsumeContext context, ConsumeDelegate next)
    {
        Seen.Enqueue(context.Envelope.Contract.Name);
        return next(context);
    }
}

/// <summary>A saga's timeout on SQLite: stored as a row while it waits, deleted when the saga ends first, never delivered, not after a restart either.</summary>
public sealed class SagaTimeoutTests
{
    private const string Pending =
        "SELECT (SELECT COUNT(*) FROM contracts_queue WHERE contract = 'SqliteTimeouts.ReminderDue') + " +
        "(SELECT COUNT(*) FROM contracts_outbox WHERE contract = 'SqliteTimeouts.ReminderDue' AND relayed_at IS NULL)";

    private const string Queued = "SELECT COUNT(*) FROM contracts_queue WHERE contract = 'SqliteTimeouts.ReminderDue'";

    [Theory]
    [InlineData(DeliveryMode.EffectivelyOnce)] // deleted in the consume transaction that saves the final state
    [InlineData(DeliveryMode.AtLeastOnce)]     // deleted right after the save, in its own transaction
    public async Task A_saga_that_ends_first_deletes_its_timeout_and_the_timeout_never_comes(DeliveryMode delivery)
    {
        using var database = new TempDatabase();
        Guid id = Guid.NewGuid();
        var seen = new SeenDeliveries();
        await using (SqliteBus bus = await SqliteBus.StartAsync(
            database,
            services => services.AddSingleton<IConsumeMiddleware>(seen),
            transport: t =>
            {
                t.Endpoint<OpenReminder>(e => e.Delivery = delivery);
                t.Endpoint<CloseReminder>(e => e.Delivery = delivery);
            }))
        {
            await bus.Bus.SendAsync(new OpenReminder(id));
            await Wait.Until(() => database.Scalar(Queued) == 1 && database.Scalar(Pending) == 1, "the timeout is relayed and stored while it waits");

            await bus.Bus.SendAsync(new CloseReminder(id));
            ISagas sagas = bus.Get<ISagas>();
            await Wait.Until(() => sagas.FindAsync<ReminderSaga, ReminderState>(id).AsTask().Result?.Status == SagaStatus.Completed, "the reminder was closed");
            if (delivery == DeliveryMode.EffectivelyOnce)
            {
                Assert.Equal(0, database.Scalar(Pending)); // one commit: the final state and the delete
            }
            else
            {
                await Wait.Until(() => database.Scalar(Pending) == 0, "the timeout's row was deleted after the final state");
            }

            await Task.Delay(ReminderSaga.After + TimeSpan.FromSeconds(1));
            Assert.DoesNotContain("SqliteTimeouts.ReminderDue", seen.Seen);
            Assert.Contains("SqliteTimeouts.CloseReminder", seen.Seen);
        }

        await using SqliteBus again = await SqliteBus.StartAsync(database, services => services.AddSingleton<IConsumeMiddleware>(seen));
        await Task.Delay(TimeSpan.FromSeconds(1));
        SagaInstance<ReminderState>? instance = await again.Get<ISagas>().FindAsync<ReminderSaga, ReminderState>(id);
        Assert.Equal(SagaStatus.Completed, instance!.Status);
        Assert.False(instance.State.Fired);
        Assert.DoesNotContain("SqliteTimeouts.ReminderDue", seen.Seen);
        Assert.Equal(0, database.Scalar(Pending));
    }

    [Fact]
    public async Task A_timeout_that_comes_while_the_saga_runs_is_delivered()
    {
        using var database = new TempDatabase();
        Guid id = Guid.NewGuid();
        await using SqliteBus bus = await SqliteBus.StartAsync(database);
        await bus.Bus.SendAsync(new OpenReminder(id));
        ISagas sagas = bus.Get<ISagas>();
        await Wait.Until(() => sagas.FindAsync<ReminderSaga, ReminderState>(id).AsTask().Result?.Status == SagaStatus.Failed, "the timeout ended the reminder");
        Assert.True((await sagas.FindAsync<ReminderSaga, ReminderState>(id))!.State.Fired);
        await Wait.Until(() => database.Scalar(Pending) == 0, "the delivered timeout's row is gone");
    }
}
