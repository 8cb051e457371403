using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Contracts;
using Contracts.Benchmarks.RabbitMq.Peers;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Wolverine;
using Wolverine.RabbitMQ;

namespace Contracts.Benchmarks.RabbitMq;

[Command(Name = "Bench.RabbitPing")]
public partial record RabbitPing([property: IdempotencyKey] long Sequence);

public sealed class RabbitPingHandler(BatchCompletion counter) : ICommandHandler<RabbitPing>
{
    public ValueTask HandleAsync(RabbitPing command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// RabbitMQ throughput with publisher confirms, Contracts' transport beside raw RabbitMQ.Client 7.2.2 on the broker
/// at 127.0.0.1:5672. Both publish persistent, mandatory messages on one channel with confirm tracking and the same
/// confirm window (a <see cref="ConcurrencyLimiter"/> of 256 permits, as the transport uses), to a durable queue bound with its own name to a
/// durable direct exchange; <see cref="InFlight"/> sends are outstanding at once (1: each awaited). "Publish" times
/// the sends until confirmed, with nobody consuming; "EndToEnd" until a consumer (one at a time, prefetch 16, the
/// transport's defaults) has acknowledged every message after its handler, on a second channel of the same
/// connection. Raw bodies are the Contracts payload's bytes. Each invocation moves <see cref="Messages"/> messages
/// and reports per message: messages per second = 1e9 / mean in ns. Every case runs in its own process, so a
/// targeted setup builds only what its case uses and no consumer drains another case's queue.
/// The peers run the same end-to-end work on the same broker: MassTransit.RabbitMQ 8.5.12 (a send endpoint to the
/// queue, whose publisher confirms are on by default, and a receive endpoint with prefetch 16 and one message at a
/// time) and WolverineFx.RabbitMQ 6.62.0 (inline sending with publisher confirms switched on, an inline listener
/// that acknowledges after its handler, prefetch 16, one message at a time). Both persist messages by default.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RabbitMqBenchmarks
{
    public const int Messages = 2000;
    private const int ConfirmWindow = 256;
    private const int Prefetch = 16;
    private const string Broker = "amqp://guest:guest@127.0.0.1:5672/";

    // Exchanges of their own, so nothing here touches the "contracts" exchange that tests on the same broker use.
    private const string ContractsExchange = "bench.contracts";
    private const string RawExchange = "bench.raw";
    private const string RawQueue = "bench.raw.ping";
    private const string MassTransitQueue = "bench-masstransit-ping";
    private const string WolverineQueue = "bench.wolverine.ping";

    private static readonly string s_contractsQueue = Contracts.Transport.TransportEndpoint.AddressOf(DescriptorOf<RabbitPing>());

    private readonly BatchCompletion _rawCounter = new();
    private IHost? _host;
    private IMessageBus _bus = null!;
    private ISendEndpoint _massTransit = null!;
    private Wolverine.IMessageBus _wolverine = null!;
    private BatchCompletion _counter = null!;
    private IConnection? _raw;
    private IChannel _rawPublisher = null!;
    private ReadOnlyMemory<byte> _body;
    private long _next;

    /// <summary>Sends outstanding at once: 256 fills the confirm window, 1 awaits each confirm.</summary>
    [Params(256, 1)]
    public int InFlight { get; set; }

    [GlobalSetup(Targets = [nameof(Raw_Publish)])]
    public async Task SetupRawPublish()
    {
        await ResetQueuesAsync();
        await StartRawAsync(consume: false);
    }

    [GlobalSetup(Targets = [nameof(Raw_EndToEnd)])]
    public async Task SetupRawEndToEnd()
    {
        await ResetQueuesAsync();
        await StartRawAsync(consume: true);
    }

    [GlobalSetup(Targets = [nameof(Contracts_Publish)])]
    public async Task SetupContractsPublish()
    {
        await ResetQueuesAsync();
        await StartContractsAsync(consume: false);
    }

    [GlobalSetup(Targets = [nameof(Contracts_EndToEnd)])]
    public async Task SetupContractsEndToEnd()
    {
        await ResetQueuesAsync();
        await StartContractsAsync(consume: true);
    }

    [GlobalSetup(Targets = [nameof(MassTransit_EndToEnd)])]
    public async Task SetupMassTransit()
    {
        await ResetQueuesAsync();
        _counter = new BatchCompletion();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_counter);
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o => o.WaitUntilStarted = true);
        builder.Services.AddMassTransit(x =>
        {
            x.AddConsumer<MassTransitPingConsumer>();
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(Broker), h => h.PublisherConfirmation = true);
                cfg.ReceiveEndpoint(MassTransitQueue, e =>
                {
                    e.PrefetchCount = Prefetch;
                    e.ConcurrentMessageLimit = 1;
                    e.ConfigureConsumeTopology = false;
                    e.ConfigureConsumer<MassTransitPingConsumer>(context);
                });
            });
        });
        _host = builder.Build();
        await _host.StartAsync();
        _massTransit = await _host.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(new Uri($"queue:{MassTransitQueue}"));
    }

    [GlobalSetup(Targets = [nameof(Wolverine_EndToEnd)])]
    public async Task SetupWolverine()
    {
        await ResetQueuesAsync();
        _counter = new BatchCompletion();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_counter);
        builder.UseWolverine(o =>
        {
            o.UseRabbitMq(new Uri(Broker))
                .ConfigureChannelCreation(c =>
                {
                    c.PublisherConfirmationsEnabled = true;
                    c.PublisherConfirmationTrackingEnabled = true;
                })
                .AutoProvision();
            o.PublishMessage<WolverinePing>().ToRabbitQueue(WolverineQueue).SendInline();
            o.ListenToRabbitQueue(WolverineQueue).PreFetchCount(Prefetch).ProcessInline();
            o.Discovery.DisableConventionalDiscovery().IncludeType(typeof(WolverinePingHandler));
        });
        _host = builder.Build();
        await _host.StartAsync();
        _wolverine = _host.Services.GetRequiredService<Wolverine.IMessageBus>();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        if (_raw is not null)
        {
            await _raw.CloseAsync();
            _raw.Dispose();
        }

        await DeleteTopologyAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages), BenchmarkCategory("Publish")]
    public Task Raw_Publish() => PublishRawAsync();

    [Benchmark(OperationsPerInvoke = Messages), BenchmarkCategory("Publish")]
    public Task Contracts_Publish() => SendContractsAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages), BenchmarkCategory("EndToEnd")]
    public async Task Raw_EndToEnd()
    {
        Task done = _rawCounter.Arm(Messages);
        await PublishRawAsync();
        await done;
    }

    [Benchmark(OperationsPerInvoke = Messages), BenchmarkCategory("EndToEnd")]
    public async Task Contracts_EndToEnd()
    {
        Task done = _counter.Arm(Messages);
        await SendContractsAsync();
        await done;
    }

    [Benchmark(OperationsPerInvoke = Messages), BenchmarkCategory("EndToEnd")]
    public async Task MassTransit_EndToEnd()
    {
        Task done = _counter.Arm(Messages);
        await Contracts.Benchmarks.InFlight.SendAsync(Messages, InFlight, () => new ValueTask(_massTransit.Send(new MassTransitPing(_next++))));
        await done;
    }

    [Benchmark(OperationsPerInvoke = Messages), BenchmarkCategory("EndToEnd")]
    public async Task Wolverine_EndToEnd()
    {
        Task done = _counter.Arm(Messages);
        await Contracts.Benchmarks.InFlight.SendAsync(Messages, InFlight, () => _wolverine.SendAsync(new WolverinePing(_next++)));
        await done;
    }

    private async Task PublishRawAsync()
    {
        var inFlight = new Queue<ValueTask>(InFlight);
        for (int i = 0; i < Messages; i++)
        {
            if (inFlight.Count == InFlight)
            {
                await inFlight.Dequeue();
            }

            var properties = new BasicProperties { Persistent = true };
            inFlight.Enqueue(_rawPublisher.BasicPublishAsync(RawExchange, RawQueue, mandatory: true, properties, _body));
        }

        while (inFlight.Count > 0)
        {
            await inFlight.Dequeue();
        }
    }

    private async Task SendContractsAsync()
    {
        var inFlight = new Queue<ValueTask>(InFlight);
        for (int i = 0; i < Messages; i++)
        {
            if (inFlight.Count == InFlight)
            {
                await inFlight.Dequeue();
            }

            inFlight.Enqueue(_bus.SendAsync(new RabbitPing(_next++)));
        }

        while (inFlight.Count > 0)
        {
            await inFlight.Dequeue();
        }
    }

    private async Task StartRawAsync(bool consume)
    {
        var buffer = new ArrayBufferWriter<byte>();
        DescriptorOf<RabbitPing>().Serialize(buffer, new RabbitPing(Messages / 2));
        _body = buffer.WrittenMemory;

        _raw = await new ConnectionFactory { Uri = new Uri(Broker), ClientProvidedName = "bench raw" }.CreateConnectionAsync();
        _rawPublisher = await _raw.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = ConfirmWindow,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })));
        if (!consume)
        {
            return;
        }

        IChannel channel = await _raw.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: 1));
        await channel.BasicQosAsync(0, Prefetch, global: false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            _rawCounter.Signal();
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(RawQueue, autoAck: false, consumer);
    }

    private async Task StartContractsAsync(bool consume)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddContracts(o => o.UseRabbitMq(Broker, t =>
        {
            t.Exchange = ContractsExchange;
            t.ConfirmWindow = ConfirmWindow;
            t.PrefetchPerConsumer = Prefetch;

            // Every handler of this assembly is compiled in: consume only this suite's endpoint, or none at all when
            // timing sends alone (the queue is then declared by ResetQueuesAsync, as another process would have).
            t.Defaults.Consume = false;
            t.Endpoint<RabbitPing>(e => e.Consume = consume);
        }));
        _host = builder.Build();
        await _host.StartAsync();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();
    }

    /// <summary>Both queues empty and bound, whatever an earlier run left behind.</summary>
    private static async Task ResetQueuesAsync()
    {
        await DeleteTopologyAsync();
        await AdministerAsync(async channel =>
        {
            foreach ((string exchange, string queue) in new[] { (RawExchange, RawQueue), (ContractsExchange, s_contractsQueue) })
            {
                await channel.ExchangeDeclareAsync(exchange, RabbitMQ.Client.ExchangeType.Direct, durable: true, autoDelete: false);
                await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
                await channel.QueueBindAsync(queue, exchange, queue);
            }
        });
    }

    private static Task DeleteTopologyAsync() => AdministerAsync(async channel =>
    {
        foreach (string queue in new[] { RawQueue, s_contractsQueue, s_contractsQueue + ".error", MassTransitQueue, MassTransitQueue + "_error", MassTransitQueue + "_skipped", WolverineQueue })
        {
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        }

        await channel.ExchangeDeleteAsync(RawExchange, ifUnused: false);
        await channel.ExchangeDeleteAsync(ContractsExchange, ifUnused: false);
    });

    private static async Task AdministerAsync(Func<IChannel, Task> work)
    {
        IConnection connection = await new ConnectionFactory { Uri = new Uri(Broker), ClientProvidedName = "bench admin" }.CreateConnectionAsync();
        await using (connection)
        {
            IChannel channel = await connection.CreateChannelAsync();
            await using (channel)
            {
                await work(channel);
                await channel.CloseAsync();
            }

            await connection.CloseAsync();
        }
    }

    private static ContractDescriptor<T> DescriptorOf<T>()
        where T : class, IContract<T> => T.Contract;
}
