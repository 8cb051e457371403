using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Transport.Nats.Tests;

[Command(Name = "NatsTests.Count")]
public partial record Count([property: IdempotencyKey] int Number);

[Command(Name = "NatsTests.Job")]
public partial record Job([property: IdempotencyKey] int Number, int HoldMs);

[Command(Name = "NatsTests.Poison")]
public partial record Poison([property: IdempotencyKey] Guid Id, bool Fails);

[Event(Name = "NatsTests.PriceChanged")]
public partial record PriceChanged([property: IdempotencyKey] int Number);

[Query(Name = "NatsTests.GetPrice")]
public partial record GetPrice(string Sku) : IQuery<decimal>;

[Command(Name = "NatsTests.KeyedPoison")]
public partial record KeyedPoison([property: PartitionKey] int Key, [property: IdempotencyKey] int Seq, bool Fails);

[Command(Name = "NatsTests.Nobody")]
public partial record Nobody([property: IdempotencyKey] Guid Id);

/// <summary>What handlers saw, for tests to assert on: one per host (a singleton), so two hosts in one test do not mix.</summary>
public sealed class Probe
{
    public ConcurrentDictionary<string, int> Hits { get; } = new(StringComparer.Ordinal);

    /// <summary>Warnings and errors the host logged: what the bus and transport said happened.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>What <see cref="KeyedPoisonHandler"/> handled, in order.</summary>
    public ConcurrentQueue<(int Key, int Seq)> Keyed { get; } = new();

    /// <summary>Once set, a <see cref="KeyedPoison"/> that failed is handled (its replay succeeds).</summary>
    public bool Healed
    {
        get => Volatile.Read(ref _healed);
        set => Volatile.Write(ref _healed, value);
    }

    private bool _healed;

    /// <summary>Called when a job starts and when it is done (the service process prints them).</summary>
    public Action<string>? OnJob { get; set; }

    public int Hit(string key) => Hits.AddOrUpdate(key, 1, static (_, count) => count + 1);

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

public sealed class CountHandler(Probe probe) : ICommandHandler<Count>
{
    public ValueTask HandleAsync(Count command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"count:{command.Number}");
        return ValueTask.CompletedTask;
    }
}

public sealed class JobHandler(Probe probe) : ICommandHandler<Job>
{
    public async ValueTask HandleAsync(Job command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.OnJob?.Invoke($"start {command.Number}");
        await Task.Delay(command.HoldMs, cancellationToken);
        probe.Hit($"job:{command.Number}");
        probe.OnJob?.Invoke($"done {command.Number}");
    }
}

public sealed class PoisonHandler(Probe probe) : ICommandHandler<Poison>
{
    public ValueTask HandleAsync(Poison command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"poison:{command.Id}");
        return command.Fails ? throw new InvalidOperationException($"Poison {command.Id} always fails.") : ValueTask.CompletedTask;
    }
}

public sealed class PriceAudit(Probe probe) : IEventHandler<PriceChanged>
{
    public ValueTask HandleAsync(PriceChanged @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"audit:{@event.Number}");
        return ValueTask.CompletedTask;
    }
}

public sealed class PriceHistory(Probe probe) : IEventHandler<PriceChanged>
{
    public ValueTask HandleAsync(PriceChanged @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Hit($"history:{@event.Number}");
        return ValueTask.CompletedTask;
    }
}

public sealed class GetPriceHandler : IQueryHandler<GetPrice, decimal>
{
    public ValueTask<decimal> HandleAsync(GetPrice query, MessageContext context, CancellationToken cancellationToken) =>
        query.Sku == "unknown" ? throw new InvalidOperationException("no such sku") : ValueTask.FromResult(query.Sku.Length * 1.5m);
}

public sealed class KeyedPoisonHandler(Probe probe) : ICommandHandler<KeyedPoison>
{
    public ValueTask HandleAsync(KeyedPoison command, MessageContext context, CancellationToken cancellationToken)
    {
        if (command.Fails && !probe.Healed)
        {
            throw new InvalidOperationException($"Keyed poison {command.Key}/{command.Seq} fails until healed.");
        }

        probe.Keyed.Enqueue((command.Key, command.Seq));
        return ValueTask.CompletedTask;
    }
}

public sealed class NobodyHandler : ICommandHandler<Nobody>
{
    public ValueTask HandleAsync(Nobody command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
