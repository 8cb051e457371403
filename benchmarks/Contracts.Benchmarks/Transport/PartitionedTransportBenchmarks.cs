using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Benchmarks.Transport;

/// <summary>The same message as <see cref="MoveUnordered"/>, ordered per SKU.</summary>
[Command]
public partial record MoveOrdered([property: PartitionKey] int Sku, [property: IdempotencyKey] Guid MoveId);

/// <summary>The same message as <see cref="MoveOrdered"/>, without a partition key: the endpoint gives up order.</summary>
[Command]
public partial record MoveUnordered(int Sku, [property: IdempotencyKey] Guid MoveId);

/// <summary>What both handlers do: optionally yield (an awaited call that completes later), then count.</summary>
public sealed class PartitionWork
{
    public bool Yield { get; set; }
}

public sealed class MoveOrderedHandler(BatchCompletion counter, PartitionWork work) : ICommandHandler<MoveOrdered>
{
    public ValueTask HandleAsync(MoveOrdered command, MessageContext context, CancellationToken cancellationToken) =>
        work.Yield ? YieldAsync(counter) : Count(counter);

    internal static ValueTask Count(BatchCompletion counter)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }

    internal static async ValueTask YieldAsync(BatchCompletion counter)
    {
        await Task.Yield();
        counter.Signal();
    }
}

public sealed class MoveUnorderedHandler(BatchCompletion counter, PartitionWork work) : ICommandHandler<MoveUnordered>
{
    public ValueTask HandleAsync(MoveUnordered command, MessageContext context, CancellationToken cancellationToken) =>
        work.Yield ? MoveOrderedHandler.YieldAsync(counter) : MoveOrderedHandler.Count(counter);
}

/// <summary>
/// Throughput of an endpoint ordered per partition key (one lane per worker, lane = key hash % workers) against the
/// same endpoint unordered (all workers on one channel): 10,000 messages over 1,000 keys per operation, two
/// producers, the same capacity and full mode. The target: ordered at 0.8x or better.
/// </summary>
[MemoryDiagnoser]
public class PartitionedTransportBenchmarks
{
    public const int Messages = 10_000;
    private const int Keys = 1000;
    private const int Producers = 2;
    private static readonly Guid s_id = Guid.NewGuid();

    private IHost _host = null!;
    private IMessageBus _bus = null!;
    private BatchCompletion _counter = null!;

    [Params(2, 8)]
    public int Workers { get; set; }

    [Params(false, true)]
    public bool Yield { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddSingleton(new PartitionWork { Yield = Yield });
        builder.Services.AddContracts(o => o.UseInMemoryTransport(t =>
        {
            t.Defaults.Capacity = 1024;
            t.Defaults.MaxConcurrency = Workers;
        }));
        _host = builder.Build();
        _host.Start();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task Unordered() => RunAsync(ordered: false);

    [Benchmark]
    public Task OrderedPerKey() => RunAsync(ordered: true);

    private async Task RunAsync(bool ordered)
    {
        Task done = _counter.Arm(Messages);
        var producers = new Task[Producers];
        for (int p = 0; p < producers.Length; p++)
        {
            int first = p;
            producers[p] = Task.Run(async () =>
            {
                for (int i = first; i < Messages; i += Producers)
                {
                    int sku = i % Keys;
                    await (ordered ? _bus.SendAsync(new MoveOrdered(sku, s_id)) : _bus.SendAsync(new MoveUnordered(sku, s_id)));
                }
            });
        }

        await Task.WhenAll(producers);
        await done;
    }
}
