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
/// Messages per second end to end through the in-memory transport (send, bounded queue, consumer, handler) with one
/// and with two producers and consumers, with and without the formatter forced on, against a raw bounded
/// <see cref="Channel{T}"/> of the endpoint's capacity (the baseline: the producer writes with
/// <c>TryWrite</c> and waits with <c>WriteAsync</c> only when it is full, the consumer drains with <c>TryRead</c>) and
/// a raw unbounded one, every row moving the same <see cref="Messages"/> messages, built once in the setup, to the
/// same counter. Messages per second = <see cref="Messages"/> / mean; bytes per message = allocated / <see cref="Messages"/>
/// (the messages themselves are not counted: they are built before the run).
/// </summary>
[MemoryDiagnoser]
public class TransportBenchmarks
{
    public const int Messages = 1_000_000;
    private const int Capacity = 1024;

    private IHost _host = null!;
    private IMessageBus _bus = null!;
    private BatchCompletion _counter = null!;
    private readonly BatchCompletion _rawCounter = new();
    private MoveStock[] _messages = [];

    [Params(1, 2)]
    public int Parallelism { get; set; }

    [Params(false, true)]
    public bool Serialize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var id = Guid.NewGuid();
        _messages = new MoveStock[Messages];
        for (int i = 0; i < _messages.Length; i++)
        {
            _messages[i] = new MoveStock(id, i);
        }

        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddContracts(o => o.UseInMemoryTransport(t =>
        {
            t.SerializeMessages = Serialize;
            t.Defaults.Capacity = Capacity;
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
    public Task RawChannel_Bounded() => RunRawAsync(Channel.CreateBounded<MoveStock>(new BoundedChannelOptions(Capacity)
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
            producers[p] = SendAllAsync(p * perProducer, perProducer);
        }

        await Task.WhenAll(producers);
        await done;
    }

    private async Task SendAllAsync(int first, int count)
    {
        await Task.Yield(); // each producer on a thread-pool thread of its own, as in the raw rows
        MoveStock[] messages = _messages;
        for (int i = first; i < first + count; i++)
        {
            await _bus.SendAsync(messages[i]);
        }
    }

    private async Task RunRawAsync(Channel<MoveStock> channel)
    {
        Task done = _rawCounter.Arm(Messages);
        var consumers = new Task[Parallelism];
        for (int c = 0; c < consumers.Length; c++)
        {
            consumers[c] = DrainAsync(channel.Reader);
        }

        var producers = new Task[Parallelism];
        int perProducer = Messages / Parallelism;
        for (int p = 0; p < producers.Length; p++)
        {
            producers[p] = WriteAllAsync(channel.Writer, p * perProducer, perProducer);
        }

        await Task.WhenAll(producers);
        await done;
        channel.Writer.Complete();
        await Task.WhenAll(consumers);
    }

    private async Task WriteAllAsync(ChannelWriter<MoveStock> writer, int first, int count)
    {
        await Task.Yield();
        MoveStock[] messages = _messages;
        for (int i = first; i < first + count; i++)
        {
            MoveStock message = messages[i];
            if (!writer.TryWrite(message))
            {
                await writer.WriteAsync(message);
            }
        }
    }

    private async Task DrainAsync(ChannelReader<MoveStock> reader)
    {
        await Task.Yield();
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out MoveStock? _))
            {
                _rawCounter.Signal();
            }
        }
    }
}
