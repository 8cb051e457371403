using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite.Tests;

[Command] public partial record Charge([property: IdempotencyKey] int N);
[Command] public partial record Flaky([property: IdempotencyKey] int N);
[Command] public partial record Remind([property: IdempotencyKey] int N);
[Command] public partial record Ship([property: IdempotencyKey] Guid OrderId);
[Command] public partial record Parcel([property: IdempotencyKey] int N);
[Command] public partial record Tick(int Producer, [property: IdempotencyKey] int N);

/// <summary>What the handlers of one test saw.</summary>
public sealed class Probe
{
    public readonly ConcurrentQueue<int> Handled = new();
    public readonly ConcurrentQueue<(int N, int Attempt, long Timestamp)> Attempts = new();
    public readonly SemaphoreSlim Done = new(0);
    public volatile int Poison = -1;
    public volatile bool Fixed;
    public volatile int FailTimes;
    public Func<Exception> Failure = () => new InvalidOperationException("the handler failed");
}

/// <summary>Fails on the poison message until the probe says it is fixed.</summary>
public sealed class ChargeHandler(Probe probe) : ICommandHandler<Charge>
{
    public ValueTask HandleAsync(Charge command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue((command.N, context.Attempt, System.Diagnostics.Stopwatch.GetTimestamp()));
        if (command.N == probe.Poison && !probe.Fixed)
        {
            throw new InvalidOperationException($"card declined for charge {command.N}");
        }

        probe.Handled.Enqueue(command.N);
        probe.Done.Release();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Fails its first <see cref="Probe.FailTimes"/> attempts with <see cref="Probe.Failure"/>.</summary>
public sealed class FlakyHandler(Probe probe) : ICommandHandler<Flaky>
{
    public ValueTask HandleAsync(Flaky command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue((command.N, context.Attempt, System.Diagnostics.Stopwatch.GetTimestamp()));
        if (context.Attempt <= probe.FailTimes)
        {
            throw probe.Failure();
        }

        probe.Handled.Enqueue(command.N);
        probe.Done.Release();
        return ValueTask.CompletedTask;
    }
}

public sealed class RemindHandler(Probe probe) : ICommandHandler<Remind>
{
    public ValueTask HandleAsync(Remind command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue((command.N, context.Attempt, System.Diagnostics.Stopwatch.GetTimestamp()));
        probe.Handled.Enqueue(command.N);
        probe.Done.Release();
        return ValueTask.CompletedTask;
    }
}

public sealed class ParcelHandler(Probe probe) : ICommandHandler<Parcel>
{
    public ValueTask HandleAsync(Parcel command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Handled.Enqueue(command.N);
        probe.Done.Release();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Records the shipment in <c>shipments</c> inside the delivery's transaction (EffectivelyOnce).</summary>
public sealed class ShipHandler(Probe probe) : ICommandHandler<Ship>
{
    public async ValueTask HandleAsync(Ship command, MessageContext context, CancellationToken cancellationToken)
    {
        SqliteTransaction transaction = context.GetSqliteTransaction();
        using SqliteCommand insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO shipments (order_id) VALUES ($id)";
        insert.Parameters.AddWithValue("$id", command.OrderId.ToString());
        await insert.ExecuteNonQueryAsync(cancellationToken);
        probe.Handled.Enqueue(1);
        probe.Done.Release();
    }
}

/// <summary>Records each tick in <c>ticks</c> inside the delivery's transaction (EffectivelyOnce).</summary>
public sealed class TickHandler : ICommandHandler<Tick>
{
    public async ValueTask HandleAsync(Tick command, MessageContext context, CancellationToken cancellationToken)
    {
        SqliteTransaction transaction = context.GetSqliteTransaction();
        using SqliteCommand insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO ticks (producer, n) VALUES ($p, $n)";
        insert.Parameters.AddWithValue("$p", command.Producer);
        insert.Parameters.AddWithValue("$n", command.N);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}

internal static class Descriptor
{
    public static ContractDescriptor<T> Of<T>()
        where T : class, IContract<T> => T.Contract;

    public static string EndpointOf<T>()
        where T : class, IContract<T> => T.Contract.Name;
}

[Command] public partial record Pack([property: IdempotencyKey] int N);

/// <summary>Records the packing in its transaction, sends the parcel on, then fails its first <see cref="Probe.FailTimes"/> attempts.</summary>
public sealed class PackHandler(Probe probe) : ICommandHandler<Pack>
{
    public async ValueTask HandleAsync(Pack command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue((command.N, context.Attempt, System.Diagnostics.Stopwatch.GetTimestamp()));
        SqliteTransaction transaction = context.GetSqliteTransaction();
        using SqliteCommand insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO packed (n) VALUES ($n)";
        insert.Parameters.AddWithValue("$n", command.N);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await context.SendAsync(new Parcel(command.N), cancellationToken);
        if (context.Attempt <= probe.FailTimes)
        {
            throw new TimeoutException("the label printer timed out");
        }
    }
}

[Command] public partial record Hold([property: IdempotencyKey] int N);

/// <summary>Holds the poison number until the bus gives up on it (its token is cancelled); handles the others.</summary>
public sealed class HoldHandler(Probe probe) : ICommandHandler<Hold>
{
    public async ValueTask HandleAsync(Hold command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue((command.N, context.Attempt, System.Diagnostics.Stopwatch.GetTimestamp()));
        if (command.N == probe.Poison)
        {
            probe.Done.Release();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        probe.Handled.Enqueue(command.N);
        probe.Done.Release();
    }
}

[Event] public partial record Shipped([property: IdempotencyKey] int N);

/// <summary>One subscriber of <see cref="Shipped"/>: always succeeds (records N).</summary>
public sealed class ShippedMailer(Probe probe) : IEventHandler<Shipped>
{
    public ValueTask HandleAsync(Shipped @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Handled.Enqueue(@event.N);
        probe.Done.Release();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Another subscriber of <see cref="Shipped"/>: fails on the poison number until fixed (records 1000 + N).</summary>
public sealed class ShippedLedger(Probe probe) : IEventHandler<Shipped>
{
    public ValueTask HandleAsync(Shipped @event, MessageContext context, CancellationToken cancellationToken)
    {
        if (@event.N == probe.Poison && !probe.Fixed)
        {
            throw new InvalidOperationException("the ledger is closed");
        }

        probe.Handled.Enqueue(1000 + @event.N);
        probe.Done.Release();
        return ValueTask.CompletedTask;
    }
}
