using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Benchmarks;

/// <summary>A command with an idempotency key, as a service would send it.</summary>
[Command]
public partial record Ping([property: IdempotencyKey] Guid Id, int Sequence);

/// <summary>Counts pings and signals when the expected number arrived.</summary>
public sealed class PingCounter
{
    private int _count;
    private int _target;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Arm(int target)
    {
        _count = 0;
        _target = target;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _done.Task;
    }

    public void Hit()
    {
        if (Interlocked.Increment(ref _count) == _target)
        {
            _done.TrySetResult();
        }
    }
}

/// <summary>The one handler of <see cref="Ping"/>.</summary>
[Idempotent]
public sealed class PingHandler(PingCounter counter) : ICommandHandler<Ping>
{
    public ValueTask HandleAsync(Ping command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Hit();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// One SendAsync through the in-memory transport to its handler, end to end (queue, consumer, DI scope,
/// handler), per operation; against a direct call of the handler.
/// </summary>
[MemoryDiagnoser]
public class SendBenchmarks
{
    private const int Batch = 1000;
    private IHost _host = null!;
    private IMessageBus _bus = null!;
    private PingCounter _counter = null!;
    private PingHandler _handler = null!;
    private readonly Guid _id = Guid.NewGuid();

    [Params(false, true)]
    public bool Serialize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<PingCounter>();
        builder.Services.AddContracts(o => o.UseInMemoryTransport(t => t.SerializeMessages = Serialize));
        _host = builder.Build();
        _host.Start();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<PingCounter>();
        _handler = new PingHandler(new PingCounter());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public async Task DirectCall()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _handler.HandleAsync(new Ping(_id, i), null!, CancellationToken.None);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task SendToHandler()
    {
        Task done = _counter.Arm(Batch);
        for (int i = 0; i < Batch; i++)
        {
            await _bus.SendAsync(new Ping(_id, i));
        }

        await done;
    }
}
