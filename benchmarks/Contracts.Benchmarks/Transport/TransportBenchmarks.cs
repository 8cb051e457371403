using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Benchmarks.Transport;

[Command]
public partial record MoveStock([property: IdempotencyKey] Guid MoveId, int Quantity);

public sealed class MoveStockHandler(BatchCompletion counter) : ICommandHandler<MoveStock>
{
    public ValueTask HandleAsync(MoveStock command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Messages per second end to end through the in-memory transport (send, bounded queue, consumer, DI scope,
/// handler) with one and with two producers and consumers, with and without the formatter forced on;
/// against raw bounded and unbounded <see cref="Channel{T}"/> moving the same messages to the same counter.
/// Each invocation moves <see cref="Messages"/> messages; divide by the mean for messages per second.
/// </summary>
[MemoryDiagnoser]
public class TransportBenchmarks
{
    public const int Messages = 10_000;
    private static readonly Guid s_id = Guid.NewGuid();

    private IHost _host = null!;
    private IMessageBus _bus = null!;
    private BatchCompletion _counter = null!;
    private readonly BatchCompletion _rawCounter = new();

    [Params(1, 2)]
    public int Parallelism { get; set; }

    [Params(false, true)]
    public bool Serialize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddContracts(o => o.UseInMemoryTransport(t =>
        {
            t.SerializeMessages = Serialize;
            t.Defaults.Capacity = 1024;
            t.Defaults.MaxConcurrency = Parallelism;
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
    public Task RawChannel_Bounded() => RunRawAsync(Channel.CreateBounded<MoveStock>(new BoundedChannelOptions(1024)
    {
        SingleReader = Parallelism == 1,
        SingleWriter = Parallelism == 1,
    }));

    [Benchmark]
    public Task RawChannel_Unbounded() => RunRawAsync(Channel.CreateUnbounded<MoveStock>(new UnboundedChannelOptions
    {
        SingleReader = Parallelism == 1,
        SingleWriter = Parallelism == 1,
    }));

    [Benchmark]
    public async Task Contracts_InMemory()
    {
        Task done = _counter.Arm(Messages);
        var producers = new Task[Parallelism];
        int perProducer = Messages / Parallelism;
        for (int p = 0; p < producers.Length; p++)
        {
            producers[p] = Task.Run(async () =>
            {
                for (int i = 0; i < perProducer; i++)
                {
                    await _bus.SendAsync(new MoveStock(s_id, i));
                }
            });
        }

        await Task.WhenAll(producers);
        await done;
    }

    private async Task RunRawAsync(Channel<MoveStock> channel)
    {
        Task done = _rawCounter.Arm(Messages);
        var consumers = new Task[Parallelism];
        for (int c = 0; c < consumers.Length; c++)
        {
            consumers[c] = Task.Run(async () =>
            {
                while (await channel.Reader.WaitToReadAsync())
                {
                    while (channel.Reader.TryRead(out MoveStock? _))
                    {
                        _rawCounter.Signal();
                    }
                }
            });
        }

        var producers = new Task[Parallelism];
        int perProducer = Messages / Parallelism;
        for (int p = 0; p < producers.Length; p++)
        {
            producers[p] = Task.Run(async () =>
            {
                for (int i = 0; i < perProducer; i++)
                {
                    await channel.Writer.WriteAsync(new MoveStock(s_id, i));
                }
            });
        }

        await Task.WhenAll(producers);
        await done;
        channel.Writer.Complete();
        await Task.WhenAll(consumers);
    }
}
