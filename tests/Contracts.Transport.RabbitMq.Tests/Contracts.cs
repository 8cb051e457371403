using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Transport.RabbitMq.Tests;

[Command(Name = "RmqTests.Reserve")]
public partial record Reserve([property: IdempotencyKey] Guid ReservationId, string Sku, int Quantity);

[Event(Name = "RmqTests.Reserved")]
public partial record Reserved([property: IdempotencyKey] Guid ReservationId, string Sku, int Quantity, int HandledBy);

[Query(Name = "RmqTests.GetStock")]
public partial record GetStock(string Sku) : IQuery<StockView>;

public sealed record StockView(string Sku, int Available, int ServedBy, IReadOnlyList<string> Warehouses);

[Query(Name = "RmqTests.FailingQuery")]
public partial record FailingQuery(string Why) : IQuery<int?>;

[Command(Name = "RmqTests.Count")]
public partial record Count([property: IdempotencyKey] int Number);

[Command(Name = "RmqTests.Poison")]
public partial record Poison([property: IdempotencyKey] Guid Id);

[Command(Name = "RmqTests.Flaky")]
public partial record Flaky([property: IdempotencyKey] Guid Id);

[Command(Name = "RmqTests.Later")]
public partial record Later([property: IdempotencyKey] Guid Id);

[Command(Name = "RmqTests.Prioritized")]
public partial record Prioritized([property: IdempotencyKey] int Number);

[Command(Name = "RmqTests.Slow")]
public partial record Slow([property: IdempotencyKey] int Number);

[Command(Name = "RmqTests.Bounded")]
public partial record Bounded([property: IdempotencyKey] int Number);

[Command(Name = "RmqTests.Hostile")]
public partial record Hostile([property: IdempotencyKey] Guid Id);

[Command(Name = "RmqTests.Doomed")]
public partial record Doomed([property: IdempotencyKey] Guid Id);

[Command(Name = "RmqTests.Crash")]
public partial record Crash([property: IdempotencyKey] Guid Id, bool Fatal);

[Command(Name = "RmqTests.Traced")]
public partial record Traced([property: IdempotencyKey] Guid Id);

[Command(Name = "RmqTests.Nobody")]
public partial record Nobody([property: IdempotencyKey] Guid Id);

/// <summary>What handlers saw, for tests to assert on: one per host (a singleton), so two hosts in one test do not mix.</summary>
public sealed class Probe
{
    public ConcurrentDictionary<string, int> Hits { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<(string Key, DateTimeOffset At, int Attempt)> Seen { get; } = new();

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

    /// <summary>Handlers that wait for it (priority, backpressure) block until a test opens it.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Hit(string key, int attempt = 1)
    {
        Seen.Enqueue((key, DateTimeOffset.UtcNow, attempt));
        return Hits.AddOrUpdate(key, 1, static (_, count) => count + 1);
    }

    public int CountOf(string prefix)
    {
        int count = 0;
        foreach (KeyValuePair<string, int> hit in Hits)
        {
            if (hit.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
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

public sealed class TracedHandler(Probe probe) : ICommandHandler<Traced>
{
    public ValueTask HandleAsync(Traced command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"traced:{command.Id}");
        return ValueTask.CompletedTask;
    }
}

public sealed class PoisonHandler(Probe probe) : ICommandHandler<Poison>
{
    public ValueTask HandleAsync(Poison command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"poison:{command.Id}", context.Attempt);
        throw new InvalidOperationException($"Poison {command.Id} always fails.");
    }
}

public sealed class FlakyHandler(Probe probe) : ICommandHandler<Flaky>
{
    public ValueTask HandleAsync(Flaky command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"flaky:{command.Id}:{context.Attempt}", context.Attempt);
        return context.Attempt == 1 ? throw new TimeoutException("The first attempt fails.") : ValueTask.CompletedTask;
    }
}

public sealed class HostileHandler(Probe probe) : ICommandHandler<Hostile>
{
    public ValueTask HandleAsync(Hostile command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"hostile:{command.Id}");
        return ValueTask.CompletedTask;
    }
}

public sealed class DoomedHandler(Probe probe) : ICommandHandler<Doomed>
{
    public ValueTask HandleAsync(Doomed command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"doomed:{command.Id}");
        throw new InvalidOperationException($"Doomed {command.Id} always fails, deep in a handler whose stack trace is long enough to matter.");
    }
}

/// <summary>Takes the process down for a fatal one, as a stack overflow or a native crash would; prints the others.</summary>
public sealed class CrashHandler : ICommandHandler<Crash>
{
    public ValueTask HandleAsync(Crash command, MessageContext context, CancellationToken cancellationToken)
    {
        if (command.Fatal)
        {
            Environment.FailFast($"Crash {command.Id} takes the process down.");
        }

        Console.Out.WriteLine($"handled {command.Id}");
        Console.Out.Flush();
        return ValueTask.CompletedTask;
    }
}

public sealed class LaterHandler(Probe probe) : ICommandHandler<Later>
{
    public ValueTask HandleAsync(Later command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"later:{command.Id}");
        return ValueTask.CompletedTask;
    }
}

public sealed class PrioritizedHandler(Probe probe) : ICommandHandler<Prioritized>
{
    public async ValueTask HandleAsync(Prioritized command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"prioritized:{command.Number}");
        await probe.Gate.Task.WaitAsync(cancellationToken);
    }
}

public sealed class SlowHandler(Probe probe) : ICommandHandler<Slow>
{
    public async ValueTask HandleAsync(Slow command, MessageContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken);
        probe.Hit($"slow:{command.Number}");
    }
}

public sealed class BoundedHandler(Probe probe) : ICommandHandler<Bounded>
{
    public async ValueTask HandleAsync(Bounded command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"bounded:{command.Number}");
        await probe.Gate.Task.WaitAsync(cancellationToken);
    }
}

public sealed class NobodyHandler : ICommandHandler<Nobody>
{
    public ValueTask HandleAsync(Nobody command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

[Command(Name = "RmqTests.Hold")]
public partial record Hold([property: IdempotencyKey] int Number);

[Command(Name = "RmqTests.Chain")]
public partial record Chain([property: IdempotencyKey] Guid Id);

public sealed class HoldHandler(Probe probe) : ICommandHandler<Hold>
{
    public async ValueTask HandleAsync(Hold command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"hold:{command.Number}");
        await probe.Gate.Task.WaitAsync(cancellationToken);
    }
}

/// <summary>Sends a <see cref="Later"/> on every attempt and fails the first: only the second attempt's send may go out.</summary>
public sealed class ChainHandler(Probe probe) : ICommandHandler<Chain>
{
    public async ValueTask HandleAsync(Chain command, MessageContext context, CancellationToken cancellationToken)
    {
        var next = Guid.NewGuid();
        probe.Hit($"chain-sent:{context.Attempt}:{next}", context.Attempt);
        await context.SendAsync(new Later(next), cancellationToken);
        if (context.Attempt == 1)
        {
            throw new TimeoutException("The first attempt fails after sending.");
        }
    }
}
