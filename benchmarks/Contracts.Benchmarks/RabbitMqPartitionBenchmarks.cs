using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Contracts.Benchmarks.RabbitMq;

[Command(Name = "Bench.RabbitKeyed")]
public partial record RabbitKeyed([property: PartitionKey] int Key, [property: IdempotencyKey] long Sequence);

[Command(Name = "Bench.RabbitLoose")]
public partial record RabbitLoose(int Key, [property: IdempotencyKey] long Sequence);

public sealed class RabbitKeyedHandler(BatchCompletion counter) : ICommandHandler<RabbitKeyed>, ICommandHandler<RabbitLoose>
{
    public ValueTask HandleAsync(RabbitKeyed command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(RabbitLoose command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Issue 18's ratio on RabbitMQ: one endpoint with <see cref="Workers"/> workers, its contract partitioned by key
/// (16 partition queues with a single active consumer, keyed lanes in process) against the same endpoint and
/// message shape unordered (one queue, the workers taking messages as they come). Each invocation sends
/// <see cref="RabbitMqBenchmarks.Messages"/> messages over 1,000 keys, 256 in flight, and waits until every handler
/// ran and acknowledged. Per message: messages per second = 1e9 / mean in ns. Each case in its own process.
/// <see cref="Partitioned_OneQueue_EndToEnd"/> is the partitioned endpoint with one partition queue
/// (<see cref="RabbitMqTransportOptions.Partitions"/> = 1): the same client path (single active consumer, keyed lanes,
/// body copy), so its distance to the 16-queue case is what spreading the messages over 16 broker queues costs.
/// </summary>
[MemoryDiagnoser]
public class RabbitMqPartitionBenchmarks
{
    private const int Workers = 8;
    private const int Keys = 1000;
    private const int InFlight = 256;
    private const string Broker = "amqp://guest:guest@127.0.0.1:5672/";
    private const string Exchange = "bench.partition";

    private IHost? _host;
    private IMessageBus _bus = null!;
    private BatchCompletion _counter = null!;
    private long _next;

    [GlobalSetup(Targets = [nameof(Unordered_EndToEnd)])]
    public Task SetupUnordered() => StartAsync();

    [GlobalSetup(Targets = [nameof(Partitioned_EndToEnd)])]
    public Task SetupPartitioned() => StartAsync();

    [GlobalSetup(Targets = [nameof(Partitioned_OneQueue_EndToEnd)])]
    public Task SetupPartitionedOneQueue() => StartAsync(partitions: 1);

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        await DeleteTopologyAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = RabbitMqBenchmarks.Messages)]
    public async Task Unordered_EndToEnd()
    {
        Task done = _counter.Arm(RabbitMqBenchmarks.Messages);
        await Contracts.Benchmarks.InFlight.SendAsync(RabbitMqBenchmarks.Messages, InFlight, () => _bus.SendAsync(new RabbitLoose((int)(_next % Keys), _next++)));
        await done;
    }

    [Benchmark(OperationsPerInvoke = RabbitMqBenchmarks.Messages)]
    public async Task Partitioned_EndToEnd()
    {
        Task done = _counter.Arm(RabbitMqBenchmarks.Messages);
        await Contracts.Benchmarks.InFlight.SendAsync(RabbitMqBenchmarks.Messages, InFlight, () => _bus.SendAsync(new RabbitKeyed((int)(_next % Keys), _next++)));
        await done;
    }

    [Benchmark(OperationsPerInvoke = RabbitMqBenchmarks.Messages)]
    public async Task Partitioned_OneQueue_EndToEnd()
    {
        Task done = _counter.Arm(RabbitMqBenchmarks.Messages);
        await Contracts.Benchmarks.InFlight.SendAsync(RabbitMqBenchmarks.Messages, InFlight, () => _bus.SendAsync(new RabbitKeyed((int)(_next % Keys), _next++)));
        await done;
    }

    private async Task StartAsync(int partitions = 16)
    {
        await DeleteTopologyAsync();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddContracts(o => o.UseRabbitMq(Broker, t =>
        {
            t.Exchange = Exchange;
            t.Partitions = partitions;
            t.Defaults.Consume = false;
            t.Endpoint<RabbitKeyed>(e =>
            {
                e.Consume = true;
                e.MaxConcurrency = Workers;
            });
            t.Endpoint<RabbitLoose>(e =>
            {
                e.Consume = true;
                e.MaxConcurrency = Workers;
            });
        }));
        _host = builder.Build();
        await _host.StartAsync();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();
    }

    private static async Task DeleteTopologyAsync()
    {
        var queues = new List<string> { "Bench.RabbitLoose", "Bench.RabbitLoose.error", "Bench.RabbitKeyed", "Bench.RabbitKeyed.error" };
        for (int i = 0; i < 16; i++)
        {
            queues.Add($"Bench.RabbitKeyed.p{i}");
        }

        IConnection connection = await new ConnectionFactory { Uri = new Uri(Broker), ClientProvidedName = "bench admin" }.CreateConnectionAsync();
        await using (connection)
        {
            IChannel channel = await connection.CreateChannelAsync();
            await using (channel)
            {
                foreach (string queue in queues)
                {
                    await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
                }

                await channel.ExchangeDeleteAsync(Exchange, ifUnused: false);
                await channel.ExchangeDeleteAsync(Exchange + ".topics", ifUnused: false);
                await channel.CloseAsync();
            }

            await connection.CloseAsync();
        }
    }
}
