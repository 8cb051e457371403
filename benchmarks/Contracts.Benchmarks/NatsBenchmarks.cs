using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Contracts.Benchmarks.Nats;

[Command(Name = "Bench.NatsPing")]
public partial record NatsPing([property: IdempotencyKey] long Sequence);

public sealed class NatsPingHandler(BatchCompletion counter) : ICommandHandler<NatsPing>
{
    public ValueTask HandleAsync(NatsPing command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// NATS JetStream throughput with persistence and acknowledgements, Contracts' transport beside raw NATS.Net 3.3.2
/// (NATS.Client.JetStream) on the server at 127.0.0.1:4222. Both publish to a file-backed work-queue stream and wait for
/// each publish's acknowledgement, with a <c>Nats-Msg-Id</c> on every message (the de-duplication the transport
/// relies on), <see cref="InFlight"/> publishes outstanding at once (1: each awaited). "Publish" times the publishes
/// until acknowledged, with nobody consuming; "EndToEnd" until a durable pull consumer (explicit acknowledgement,
/// pulls of 16, one message handled at a time: the transport's defaults) has acknowledged every message after its
/// handler. Raw bodies are the Contracts payload's bytes. Each invocation moves <see cref="Messages"/> messages and
/// reports per message: messages per second = 1e9 / mean in ns. Every case runs in its own process.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class NatsBenchmarks
{
    public const int Messages = 2000;
    private const int Prefetch = 16;
    private const string Server = "nats://127.0.0.1:4222";

    // Prefixes of their own, so nothing here touches the streams of the tests or the Shop on the same server.
    private const string ContractsPrefix = "benchcontracts";
    private const string RawStream = "benchraw_ping";
    private const string RawSubject = "benchraw.ping";

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> s_raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    private readonly BatchCompletion _rawCounter = new();
    private readonly CancellationTokenSource _stop = new();
    private IHost? _host;
    private IMessageBus _bus = null!;
    private NatsConnection? _raw;
    private NatsJSContext _rawJs = null!;
    private Task _rawConsumer = Task.CompletedTask;
    private ReadOnlyMemory<byte> _body;
    private long _next;

    /// <summary>Publishes outstanding at once: 64 keep a window in flight, 1 awaits each acknowledgement.</summary>
    [Params(64, 1)]
    public int InFlight { get; set; }

    [GlobalSetup(Targets = [nameof(Raw_Publish)])]
    public async Task SetupRawPublish() => await StartRawAsync(consume: false);

    [GlobalSetup(Targets = [nameof(Raw_EndToEnd)])]
    public async Task SetupRawEndToEnd() => await StartRawAsync(consume: true);

    [GlobalSetup(Targets = [nameof(Contracts_Publish)])]
    public async Task SetupContractsPublish()
    {
        await DeleteStreamsAsync();
        // A consuming bus creates the endpoint's stream, as the process that handles it would have; then a bus that only sends.
        await StartContractsAsync(consume: true);
        await _host!.StopAsync();
        _host.Dispose();
        await StartContractsAsync(consume: false);
    }

    [GlobalSetup(Targets = [nameof(Contracts_EndToEnd)])]
    public async Task SetupContractsEndToEnd()
    {
        await DeleteStreamsAsync();
        await StartContractsAsync(consume: true);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _stop.CancelAsync();
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        try
        {
            await _rawConsumer;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }

        await DeleteStreamsAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages), BenchmarkCategory("Publish")]
    public Task Raw_Publish() => PublishRawAsync();

    [Benchmark(OperationsPerInvoke = Messages), BenchmarkCategory("Publish")]
    public Task Contracts_Publish() => Contracts.Benchmarks.InFlight.SendAsync(Messages, InFlight, () => _bus.SendAsync(new NatsPing(_next++)));

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
        Task done = _host!.Services.GetRequiredService<BatchCompletion>().Arm(Messages);
        await Contracts.Benchmarks.InFlight.SendAsync(Messages, InFlight, () => _bus.SendAsync(new NatsPing(_next++)));
        await done;
    }

    private Task PublishRawAsync() => Contracts.Benchmarks.InFlight.SendAsync(Messages, InFlight, PublishOneRawAsync);

    private async ValueTask PublishOneRawAsync()
    {
        var opts = new NatsJSPubOpts { MsgId = (_next++).ToString(CultureInfo.InvariantCulture) };
        PubAckResponse ack = await _rawJs.PublishAsync(RawSubject, _body, s_raw, opts);
        ack.EnsureSuccess();
    }

    private async Task StartRawAsync(bool consume)
    {
        await DeleteStreamsAsync();
        var buffer = new ArrayBufferWriter<byte>();
        DescriptorOf<NatsPing>().Serialize(buffer, new NatsPing(Messages / 2));
        _body = buffer.WrittenMemory;
        _raw = new NatsConnection(new NatsOpts { Url = Server, Name = "bench raw" });
        await _raw.ConnectAsync();
        _rawJs = new NatsJSContext(_raw);
        await _rawJs.CreateStreamAsync(new StreamConfig(RawStream, [RawSubject]) { Retention = StreamConfigRetention.Workqueue, Storage = StreamConfigStorage.File });
        INatsJSConsumer consumer = await _rawJs.CreateOrUpdateConsumerAsync(RawStream, new ConsumerConfig("worker")
        {
            DurableName = "worker",
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            MaxDeliver = -1,
            MaxAckPending = 20_000,
        });
        if (!consume)
        {
            return;
        }

        _rawConsumer = Task.Run(async () =>
        {
            var opts = new NatsJSConsumeOpts { MaxMsgs = Prefetch };
            await foreach (INatsJSMsg<NatsMemoryOwner<byte>> msg in consumer.ConsumeAsync(NatsRawSerializer<NatsMemoryOwner<byte>>.Default, opts, _stop.Token))
            {
                using NatsMemoryOwner<byte> data = msg.Data;
                _rawCounter.Signal();
                await msg.AckAsync();
            }
        });
    }

    private async Task StartContractsAsync(bool consume)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddContracts(o => o.UseNats(Server, t =>
        {
            t.Prefix = ContractsPrefix;
            t.PrefetchPerConsumer = Prefetch;
            // Every handler of this assembly is compiled in: consume only this suite's endpoint, or none at all when timing sends alone.
            t.Defaults.Consume = false;
            t.Endpoint<NatsPing>(e => e.Consume = consume);
        }));
        _host = builder.Build();
        await _host.StartAsync();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
    }

    /// <summary>Deletes this suite's streams (both sides), so each case starts empty.</summary>
    private static async Task DeleteStreamsAsync()
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = Server, Name = "bench reset" });
        await connection.ConnectAsync();
        var js = new NatsJSContext(connection);
        var names = new List<string>();
        await foreach (string name in js.ListStreamNamesAsync())
        {
            if (name.StartsWith(ContractsPrefix + "_", StringComparison.Ordinal) || name == RawStream)
            {
                names.Add(name);
            }
        }

        foreach (string name in names)
        {
            await js.DeleteStreamAsync(name);
        }
    }

    private static ContractDescriptor<T> DescriptorOf<T>()
        where T : class, IContract<T> => T.Contract;
}
