using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Transport.Redis.Tests;

[Command(Name = "RedisTests.Reserve")]
public partial record Reserve([property: IdempotencyKey] Guid ReservationId, string Sku, int Quantity);

[Event(Name = "RedisTests.Reserved")]
public partial record Reserved([property: IdempotencyKey] Guid ReservationId, string Sku, int Quantity, int HandledBy);

[Query(Name = "RedisTests.GetStock")]
public partial record GetStock(string Sku) : IQuery<StockView>;

public sealed record StockView(string Sku, int Available, int ServedBy, IReadOnlyList<string> Warehouses);

[Query(Name = "RedisTests.FailingQuery")]
public partial record FailingQuery(string Why) : IQuery<int?>;

[Command(Name = "RedisTests.Count")]
public partial record Count([property: IdempotencyKey] int Number);

[Command(Name = "RedisTests.Mixed")]
public partial record Mixed([property: IdempotencyKey] int Number, bool Poison);

[Command(Name = "RedisTests.Work")]
public partial record Work([property: IdempotencyKey] int Number, int HoldMs);

[Command(Name = "RedisTests.Crash")]
public partial record Crash([property: IdempotencyKey] Guid Id, bool Fatal);

[Command(Name = "RedisTests.KeyedCrash")]
public partial record KeyedCrash([property: PartitionKey] string Key, [property: IdempotencyKey] Guid Id, bool Fatal);

[Command(Name = "RedisTests.Nobody")]
public partial record Nobody([property: IdempotencyKey] Guid Id);

/// <summary>What handlers saw, for tests to assert on: one per host (a singleton), so two hosts in one test do not mix.</summary>
public sealed class Probe
{
    public ConcurrentDictionary<string, int> Hits { get; } = new(StringComparer.Ordinal);

    /// <summary>Warnings and errors the host logged: what the bus and transport said happened.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public int LogsContaining(string text)
    {
        int count = 0;
        foreach (string line in Logs)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>When each key was first hit, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public ConcurrentDictionary<string, long> FirstHitAt { get; } = new(StringComparer.Ordinal);

    public int Hit(string key)
    {
        FirstHitAt.TryAdd(key, System.Diagnostics.Stopwatch.GetTimestamp());
        return Hits.AddOrUpdate(key, 1, static (_, count) => count + 1);
    }

    public static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Not reached within {timeout}: {describe()}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }
}

public sealed class ReserveHandler : ICommandHandler<Reserve>
{
    public ValueTask HandleAsync(Reserve command, MessageContext context, CancellationToken cancellationToken) =>
        context.PublishAsync(new Reserved(command.ReservationId, command.Sku, command.Quantity, Environment.ProcessId), cancellationToken: cancellationToken);
}

public sealed class AuditReserved(Probe probe) : IEventHandler<Reserved>
{
    public ValueTask HandleAsync(Reserved @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"audit:{@event.ReservationId}:{@event.HandledBy}");
        return ValueTask.CompletedTask;
    }
}

public sealed class NotifyReserved(Probe probe) : IEventHandler<Reserved>
{
    public ValueTask HandleAsync(Reserved @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"notify:{@event.ReservationId}:{@event.HandledBy}");
        return ValueTask.CompletedTask;
    }
}

public sealed class GetStockHandler : IQueryHandler<GetStock, StockView>
{
    public ValueTask<StockView> HandleAsync(GetStock query, MessageContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new StockView(query.Sku, query.Sku.Length * 10, Environment.ProcessId, ["north", "south"]));
}

public sealed class FailingQueryHandler : IQueryHandler<FailingQuery, int?>
{
    public ValueTask<int?> HandleAsync(FailingQuery query, MessageContext context, CancellationToken cancellationToken) =>
        query.Why == "none" ? ValueTask.FromResult<int?>(null) : throw new InvalidOperationException(query.Why);
}

public sealed class CountHandler(Probe probe) : ICommandHandler<Count>
{
    public ValueTask HandleAsync(Count command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"count:{command.Number}");
        return ValueTask.CompletedTask;
    }
}

public sealed class MixedHandler(Probe probe) : ICommandHandler<Mixed>
{
    public ValueTask HandleAsync(Mixed command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"mixed:{command.Number}");
        return command.Poison ? throw new InvalidOperationException($"Mixed {command.Number} is poison.") : ValueTask.CompletedTask;
    }
}

/// <summary>Holds for a while, then records (and prints, in a worker process) that the work is done.</summary>
public sealed class WorkHandler(Probe probe) : ICommandHandler<Work>
{
    public async ValueTask HandleAsync(Work command, MessageContext context, CancellationToken cancellationToken)
    {
        Console.Out.WriteLine($"started {command.Number}");
        await Task.Delay(command.HoldMs, cancellationToken);
        probe.Hit($"work:{command.Number}");
        Console.Out.WriteLine($"done {command.Number}");
        await Console.Out.FlushAsync(cancellationToken);
    }
}

/// <summary>Takes the process down for a fatal one, as a stack overflow or a native crash would; prints the others.</summary>
public sealed class CrashHandler : ICommandHandler<Crash>
{
    public ValueTask HandleAsync(Crash command, MessageContext context, CancellationToken cancellationToken) =>
        Crasher.Handle(command.Fatal, $"{command.Id}");
}

/// <summary>What the crash handlers share.</summary>
internal static class Crasher
{
    /// <summary>Fails the process fast when <paramref name="fatal"/>, else prints <c>handled {what}</c>.</summary>
    public static ValueTask Handle(bool fatal, string what)
    {
        if (fatal)
        {
            Environment.FailFast($"Crash {what} takes the process down.");
        }

        Console.Out.WriteLine($"handled {what}");
        Console.Out.Flush();
        return ValueTask.CompletedTask;
    }
}

/// <summary>As <see cref="CrashHandler"/>, for a keyed endpoint: prints which key's message it handled.</summary>
public sealed class KeyedCrashHandler : ICommandHandler<KeyedCrash>
{
    public ValueTask HandleAsync(KeyedCrash command, MessageContext context, CancellationToken cancellationToken) =>
        Crasher.Handle(command.Fatal, $"{command.Key} {command.Id}");
}

public sealed class NobodyHandler : ICommandHandler<Nobody>
{
    public ValueTask HandleAsync(Nobody command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
