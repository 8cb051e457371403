using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

[Command] public partial record Payment([property: IdempotencyKey] int N);

[Command] public partial record Relay([property: IdempotencyKey] int N);

/// <summary>Fails what <see cref="PaymentLedger.Fails"/> says after writing its row; the row must vanish with the attempt.</summary>
public sealed class PaymentLedger
{
    public Func<int, int, bool> Fails { get; set; } = static (_, _) => false;

    public ConcurrentQueue<(int N, int Attempt)> Attempts { get; } = new();
}

public sealed class PaymentHandler(PaymentLedger ledger) : ICommandHandler<Payment>
{
    public async ValueTask HandleAsync(Payment command, MessageContext context, CancellationToken cancellationToken)
    {
        ledger.Attempts.Enqueue((command.N, context.Attempt));
        SqliteTransaction transaction = command.N % 2 == 0
            ? context.GetSqliteTransaction()
            : await context.GetSqliteTransactionAsync(cancellationToken);
        using (SqliteCommand insert = transaction.Connection!.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO payments (n, attempt) VALUES ($n, $attempt)";
            insert.Parameters.AddWithValue("$n", command.N);
            insert.Parameters.AddWithValue("$attempt", context.Attempt);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (ledger.Fails(command.N, context.Attempt))
        {
            throw new InvalidOperationException($"payment {command.N} failed after writing its row (attempt {context.Attempt})");
        }
    }
}

/// <summary>The mistake CTR022 flags: sends through an injected bus while its consume transaction holds the store's writer.</summary>
public sealed class RelayHandler(IMessageBus bus) : ICommandHandler<Relay>
{
    public async ValueTask HandleAsync(Relay command, MessageContext context, CancellationToken cancellationToken)
    {
        _ = context.GetSqliteTransaction();
#pragma warning disable CTR022 // the point of the test
        await bus.SendAsync(new Parcel(command.N), cancellationToken: cancellationToken);
#pragma warning restore CTR022
    }
}

/// <summary>
/// Effectively-once deliveries handled at once share the writer's commit: each runs in a savepoint of one batch
/// transaction, so a failing handler undoes only its own work, and the rest of the batch commits with one flush.
/// </summary>
public sealed class ConsumeBatchTests
{
    [Fact]
    public async Task Deliveries_committed_together_keep_a_failed_attempts_work_out_and_every_other_effect_once()
    {
        using var database = new TempDatabase();
        database.Execute("CREATE TABLE payments (n INTEGER NOT NULL, attempt INTEGER NOT NULL)");
        const int Count = 600;
        var ledger = new PaymentLedger { Fails = static (n, attempt) => n % 7 == 0 && attempt == 1 };
        await using (SqliteBus host = await SqliteBus.StartAsync(
            database,
            s => s.AddSingleton(ledger),
            t => t.Endpoint<Payment>(e =>
            {
                e.Delivery = DeliveryMode.EffectivelyOnce;
                e.MaxConcurrency = 16;
                e.Capacity = 1024;
                e.Retry.ImmediateRetries = 1;
            }),
            s => s.Synchronous = SqliteSynchronous.Full))
        {
            var sends = new Task[Count];
            for (int i = 0; i < Count; i++)
            {
                sends[i] = host.Bus.SendAsync(new Payment(i)).AsTask();
            }

            await Wait.For(Task.WhenAll(sends));
            await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "every payment is handled");
        }

        int failing = (Count + 6) / 7;
        Assert.Equal(Count + failing, ledger.Attempts.Count);                             // the failing ones ran twice
        Assert.Equal(Count, database.Scalar("SELECT COUNT(*) FROM payments"));             // each effect once
        Assert.Equal(Count, database.Scalar("SELECT COUNT(DISTINCT n) FROM payments"));
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM payments WHERE n % 7 = 0 AND attempt = 1")); // rolled back alone
        Assert.Equal(failing, database.Scalar("SELECT COUNT(*) FROM payments WHERE attempt = 2"));
        Assert.Equal(Count, database.Scalar("SELECT COUNT(*) FROM contracts_inbox"));
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_dead_letters"));
    }

    [Fact]
    public async Task A_redelivered_key_handled_in_a_batch_is_dropped_and_its_work_undone()
    {
        using var database = new TempDatabase();
        database.Execute("CREATE TABLE payments (n INTEGER NOT NULL, attempt INTEGER NOT NULL)");
        var ledger = new PaymentLedger();
        Action<InMemoryTransportOptions> transport = t => t.Endpoint<Payment>(e =>
        {
            e.Delivery = DeliveryMode.EffectivelyOnce;
            e.MaxConcurrency = 8;
        });
        await using (SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(ledger), transport))
        {
            var first = new List<Task>();
            for (int i = 0; i < 40; i++)
            {
                first.Add(host.Bus.SendAsync(new Payment(i)).AsTask());
            }

            await Wait.For(Task.WhenAll(first));
            await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "the first copies are handled");

            // The same keys again (a producer that retried its sends), mixed with new ones in the same batches.
            var again = new List<Task>();
            for (int i = 20; i < 60; i++)
            {
                again.Add(host.Bus.SendAsync(new Payment(i)).AsTask());
            }

            await Wait.For(Task.WhenAll(again));
            await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "the second copies are handled");
        }

        Assert.Equal(60, database.Scalar("SELECT COUNT(*) FROM payments"));
        Assert.Equal(60, database.Scalar("SELECT COUNT(DISTINCT n) FROM payments"));
        Assert.Equal(60, database.Scalar("SELECT COUNT(*) FROM contracts_inbox"));
    }

    [Fact]
    public async Task A_handler_that_sends_through_an_injected_bus_while_holding_its_transaction_fails_with_a_clear_error_instead_of_waiting_for_itself()
    {
        using var database = new TempDatabase();
        await using SqliteBus host = await SqliteBus.StartAsync(
            database,
            s => s.AddSingleton(new Probe()),
            t => t.Endpoint<Relay>(e =>
            {
                e.Delivery = DeliveryMode.EffectivelyOnce;
                e.Retry.ImmediateRetries = 0;
                e.Retry.DelayedRetries = 0;
            }),
            s => s.BusyTimeout = TimeSpan.FromSeconds(1));

        await host.Bus.SendAsync(new Relay(7));
        DeadLetter letter = Assert.Single(await Wait.ForDeadLetters(host.DeadLetters, 1));

        Assert.Equal(typeof(TimeoutException).FullName, letter.ExceptionType);
        Assert.Contains("through its MessageContext", letter.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_inbox"));
    }
}
