using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Storage.Sqlite.Tests;

[Command] public partial record StartTrip([property: SagaId] int TripId, TimeSpan PaymentTimeout);
[Command] public partial record BookHotel([property: IdempotencyKey] int TripId);
[Command] public partial record CancelHotel([property: IdempotencyKey] int TripId);
[Command] public partial record PayTrip([property: IdempotencyKey] int TripId);
[Command] public partial record PaymentOverdue([property: SagaId] int TripId);
[Event] public partial record HotelBooked([property: SagaId] int TripId);
[Event] public partial record TripPaid([property: SagaId] int TripId);
[Event] public partial record PaymentDeclined([property: SagaId] int TripId);

public sealed record TripState
{
    public TimeSpan PaymentTimeout { get; init; }

    public bool Booked { get; init; }
}

/// <summary>
/// The crash test's saga: book a hotel (compensated by cancelling it), then pay; a paid trip completes, a declined
/// payment or one that never answers (the timeout) cancels the hotel.
/// </summary>
[Saga]
public sealed partial class TripSaga : Saga<TripState>, IStartedBy<StartTrip>, IHandles<HotelBooked>, IHandles<TripPaid>, IHandles<PaymentDeclined>, IHandles<PaymentOverdue>
{
    public ValueTask HandleAsync(StartTrip message, SagaContext context, CancellationToken cancellationToken)
    {
        State = new TripState { PaymentTimeout = message.PaymentTimeout };
        context.Send(new BookHotel(message.TripId), compensateWith: new CancelHotel(message.TripId));
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(HotelBooked message, SagaContext context, CancellationToken cancellationToken)
    {
        State = State with { Booked = true };
        context.SendWithoutCompensation(new PayTrip(message.TripId));
        context.RequestTimeout(new PaymentOverdue(message.TripId), State.PaymentTimeout);
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(TripPaid message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Complete();
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(PaymentDeclined message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Compensate("payment declined");
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(PaymentOverdue message, SagaContext context, CancellationToken cancellationToken)
    {
        context.Compensate("payment overdue");
        return ValueTask.CompletedTask;
    }
}

/// <summary>The participants: each effect is a row in <c>trip_effects</c>, written in the delivery's consume transaction.</summary>
public sealed class TripParticipants : ICommandHandler<BookHotel>, ICommandHandler<CancelHotel>, ICommandHandler<PayTrip>
{
    /// <summary>Trip n: n % 3 == 0 is paid, 1 is declined, 2 never answers (its timeout compensates).</summary>
    public static string Outcome(int trip) => (trip % 3) switch { 0 => "paid", 1 => "declined", _ => "silent" };

    public ValueTask HandleAsync(BookHotel command, MessageContext context, CancellationToken cancellationToken)
    {
        Effect(context, command.TripId, "book");
        return context.PublishAsync(new HotelBooked(command.TripId), cancellationToken);
    }

    public ValueTask HandleAsync(CancelHotel command, MessageContext context, CancellationToken cancellationToken)
    {
        Effect(context, command.TripId, "cancel");
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(PayTrip command, MessageContext context, CancellationToken cancellationToken)
    {
        Effect(context, command.TripId, "pay");
        return Outcome(command.TripId) switch
        {
            "paid" => context.PublishAsync(new TripPaid(command.TripId), cancellationToken),
            "declined" => context.PublishAsync(new PaymentDeclined(command.TripId), cancellationToken),
            _ => ValueTask.CompletedTask,
        };
    }

    private static void Effect(MessageContext context, int trip, string what)
    {
        SqliteTransaction transaction = context.GetSqliteTransaction();
        using SqliteCommand insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO trip_effects (trip, what) VALUES ($trip, $what)";
        insert.Parameters.AddWithValue("$trip", trip);
        insert.Parameters.AddWithValue("$what", what);
        insert.ExecuteNonQuery();
    }
}

/// <summary>
/// The saga crash test's child process: <c>saga-produce</c> starts every trip and runs until killed, <c>saga-run</c>
/// runs until killed, <c>saga-drain</c> runs until every trip has ended and nothing is queued, then stops.
/// </summary>
public static class SagaCrashChild
{
    public const int Trips = 2_000;

    /// <summary>The timeout of trips that never hear from payment.</summary>
    public static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The others' timeout: far longer than any run under load (on a busy machine a payment can come 20 s after its
    /// booking), so it never fires; the saga ending cancels it, and the test checks that no row of it is left.
    /// </summary>
    public static readonly TimeSpan LongTimeout = TimeSpan.FromMinutes(30);

    public static async Task<int> RunAsync(string mode, string database)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddContracts(o => o
            .UseInMemoryTransport(t =>
            {
                t.Defaults.Delivery = DeliveryMode.EffectivelyOnce;
                t.Defaults.Capacity = Trips * 2;
            })
            .UseSqlite($"Data Source={database}", s => s.Synchronous = SqliteSynchronous.Normal)
            .ClaimDuration = TimeSpan.FromSeconds(2));
        using IHost host = builder.Build();
        using (var connection = new SqliteConnection($"Data Source={database}"))
        {
            connection.Open();
            using SqliteCommand create = connection.CreateCommand();
            create.CommandText = "PRAGMA busy_timeout = 30000; CREATE TABLE IF NOT EXISTS trip_effects (trip INTEGER NOT NULL, what TEXT NOT NULL)";
            create.ExecuteNonQuery();
        }

        await host.StartAsync();
        IMessageBus bus = host.Services.GetRequiredService<IMessageBus>();
        if (mode == "saga-produce")
        {
            for (int i = 0; i < Trips; i++)
            {
                await bus.SendAsync(new StartTrip(i, TripParticipants.Outcome(i) == "silent" ? ShortTimeout : LongTimeout));
            }

            Console.WriteLine("sent");
        }

        if (mode != "saga-drain")
        {
            await Task.Delay(Timeout.InfiniteTimeSpan); // until killed
            return 3;
        }

        using var check = new SqliteConnection($"Data Source={database}");
        check.Open();
        using SqliteCommand pending = check.CreateCommand();
        pending.CommandText =
            "SELECT (SELECT COUNT(*) FROM contracts_sagas WHERE status = 0) + (SELECT COUNT(*) FROM contracts_queue) + " +
            $"(SELECT COUNT(*) FROM contracts_outbox WHERE relayed_at IS NULL) + ({Trips} - (SELECT COUNT(*) FROM contracts_sagas))";
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while ((long)pending.ExecuteScalar()! > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                Console.WriteLine($"timed out draining: {pending.ExecuteScalar()} left");
                return 2;
            }

            await Task.Delay(50);
        }

        await host.StopAsync();
        Console.WriteLine("drained");
        return 0;
    }
}
