using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Transport.Redis.Tests;

[Event(Name = "RedisTests.KeyedMoved")]
public partial record KeyedMoved([property: PartitionKey] int Key, int Seq);

/// <summary>What each subscription of <see cref="KeyedMoved"/> received, in the order its handler ran.</summary>
public sealed class MovedLedger
{
    public readonly ConcurrentQueue<(int Key, int Seq, long At)> First = new();
    public readonly ConcurrentQueue<(int Key, int Seq, long At)> Second = new();
}

[Idempotent]
public sealed class FirstMovedHandler(MovedLedger ledger) : IEventHandler<KeyedMoved>
{
    public async ValueTask HandleAsync(KeyedMoved message, MessageContext context, CancellationToken cancellationToken)
    {
        if (Random.Shared.Next(4) == 0)
        {
            await Task.Yield();
        }

        ledger.First.Enqueue((message.Key, message.Seq, Stopwatch.GetTimestamp()));
    }
}

[Idempotent]
public sealed class SecondMovedHandler(MovedLedger ledger) : IEventHandler<KeyedMoved>
{
    public ValueTask HandleAsync(KeyedMoved message, MessageContext context, CancellationToken cancellationToken)
    {
        ledger.Second.Enqueue((message.Key, message.Seq, Stopwatch.GetTimestamp()));
        return ValueTask.CompletedTask;
    }
}
