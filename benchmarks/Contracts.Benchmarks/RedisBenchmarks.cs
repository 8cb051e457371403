using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Contracts.Benchmarks.Redis;

[Command(Name = "Bench.RedisPing")]
public partial record RedisPing([property: IdempotencyKey] long Sequence);

public sealed class RedisPingHandler(BatchCompletion counter) : ICommandHandler<RedisPing>
{
    public ValueTask HandleAsync(RedisPing command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Redis Streams throughput, Contracts' transport beside raw StackExchange.Redis 3.4.35 doing the same work on the
/// server at 127.0.0.1:6379 (scripts/redis.sh: appendonly yes, appendfsync always, as the tests run it). "Publish"
/// times <see cref="Messages"/> sends (<c>XADD</c>, <see cref="InFlight"/> outstanding at once) with nobody consuming;
/// "EndToEnd" until one consumer has read them with <c>XREADGROUP ... COUNT 16</c> (the transport's read-ahead for
/// one handler) and acknowledged each with <c>XACK</c> after its handler ran. The raw consumer polls again after 1 ms
/// when a read comes back empty; the transport waits for the nudge its producer publishes after each add (or its poll
/// interval). Raw entries carry only the payload field; the transport's carry the envelope's headers as fields too.
/// Messages per second = 1e9 / mean in ns. Each case runs in its own process.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RedisBenchmarks
{
    public const int Messages = 2000;
    private const int ReadAhead = 16;
    private const string Server = "127.0.0.1:6379";

    // Keys of their own, so nothing here touches the "contracts:" keys that tests on the same server use.
    private const string Prefix = "bench";
    private const string RawGroup = "raw";
    private static readonly RedisKey s_rawStream = "bench:raw";
    private static readonly string s_endpoint = Contracts.Transport.TransportEndpoint.AddressOf(DescriptorOf<RedisPing>());
    private static readonly RedisKey s_contractsStream = $"{Prefix}:{s_endpoint}";

    private readonly BatchCompletion _rawCounter = new();
    private readonly CancellationTokenSource _stop = new();
    private IHost? _host;
    private IMessageBus _bus = null!;
    private BatchCompletion _counter = null!;
    private ConnectionMultiplexer? _raw;
    private IDatabase _rawDatabase = null!;
    private NameValueEntry[] _rawFields = [];
    private Task _rawConsumer = Task.CompletedTask;
    private long _next;

    /// <summary>Sends outstanding at once: 256 pipelines them, 1 awaits each.</summary>
    [Params(256, 1)]
    public int InFlight { get; set; }

    [GlobalSetup(Targets = [nameof(Raw_Publish)])]
    public async Task SetupRawPublish()
    {
        await ResetStreamsAsync();
        await StartRawAsync(consume: false);
    }

    [GlobalSetup(Targets = [nameof(Raw_EndToEnd)])]
    public async Task SetupRawEndToEnd()
    {
        await ResetStreamsAsync();
        await StartRawAsync(consume: true);
    }

    [GlobalSetup(Targets = [nameof(Contracts_Publish)])]
    public async Task SetupContractsPublish()
    {
        await ResetStreamsAsync();
        await StartContractsAsync(consume: false);
    }

    [GlobalSetup(Targets = [nameof(Contracts_EndToEnd)])]
    public async Task SetupContractsEndToEnd()
    {
        await ResetStreamsAsync();
        await StartContractsAsync(consume: true);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _stop.CancelAsync();
        await _rawConsumer;
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }

        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(Server);
        await admin.GetDatabase().KeyDeleteAsync([s_rawStream, s_contractsStream, $"{s_contractsStream}:dead", $"{Prefix}:dead-letters"]);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages), BenchmarkCategory("Publish")]
    public Task Raw_Publish() => Contracts.Benchmarks.InFlight.SendAsync(Messages, InFlight, AddRaw);

    [Benchmark(OperationsPerInvoke = Messages), BenchmarkCategory("Publish")]
    public Task Contracts_Publish() => Contracts.Benchmarks.InFlight.SendAsync(Messages, InFlight, SendContracts);

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages), BenchmarkCategory("EndToEnd")]
    public async Task Raw_EndToEnd()
    {
        Task done = _rawCounter.Arm(Messages);
        await Contracts.Benchmarks.InFlight.SendAsync(Messages, InFlight, AddRaw);
        await done;
    }

    [Benchmark(OperationsPerInvoke = Messages), BenchmarkCategory("EndToEnd")]
    public async Task Contracts_EndToEnd()
    {
        Task done = _counter.Arm(Messages);
        await Contracts.Benchmarks.InFlight.SendAsync(Messages, InFlight, SendContracts);
        await done;
    }

    private ValueTask AddRaw() => new(_rawDatabase.StreamAddAsync(s_rawStream, _rawFields));

    private ValueTask SendContracts() => _bus.SendAsync(new RedisPing(_next++));

    private async Task StartRawAsync(bool consume)
    {
        var buffer = new ArrayBufferWriter<byte>();
        DescriptorOf<RedisPing>().Serialize(buffer, new RedisPing(Messages / 2));
        _rawFields = [new NameValueEntry("body", buffer.WrittenMemory.ToArray())];
        _raw = await ConnectionMultiplexer.ConnectAsync(Server);
        _rawDatabase = _raw.GetDatabase();
        if (consume)
        {
            _rawConsumer = Task.Run(ConsumeRawAsync);
        }
    }

    /// <summary>One consumer: read up to 16, handle and acknowledge each in turn; poll again after 1 ms when nothing came.</summary>
    private async Task ConsumeRawAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            StreamEntry[] entries = await _rawDatabase.StreamReadGroupAsync(s_rawStream, RawGroup, "raw-consumer", StreamPosition.NewMessages, ReadAhead);
            if (entries.Length == 0)
            {
                try
                {
                    await Task.Delay(1, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            foreach (StreamEntry entry in entries)
            {
                _rawCounter.Signal();
                await _rawDatabase.StreamAcknowledgeAsync(s_rawStream, RawGroup, entry.Id);
            }
        }
    }

    private async Task StartContractsAsync(bool consume)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddContracts(o => o.UseRedis(Server, t =>
        {
            t.Prefix = Prefix;
            t.PrefetchPerConsumer = ReadAhead;

            // Every handler of this assembly is compiled in: consume only this suite's endpoint, or none at all when
            // timing sends alone (the stream and its group are then made by ResetStreamsAsync, as another process would have).
            t.Defaults.Consume = false;
            t.Endpoint<RedisPing>(e => e.Consume = consume);
        }));
        _host = builder.Build();
        await _host.StartAsync();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();
    }

    /// <summary>Both streams empty with their group, whatever an earlier run left behind.</summary>
    private static async Task ResetStreamsAsync()
    {
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(Server);
        IDatabase database = admin.GetDatabase();
        await database.KeyDeleteAsync([s_rawStream, s_contractsStream, $"{s_contractsStream}:dead", $"{Prefix}:dead-letters"]);
        await database.StreamCreateConsumerGroupAsync(s_rawStream, RawGroup, StreamPosition.Beginning, createStream: true);
        await database.StreamCreateConsumerGroupAsync(s_contractsStream, s_endpoint, StreamPosition.Beginning, createStream: true);
    }

    private static ContractDescriptor<T> DescriptorOf<T>()
        where T : class, IContract<T> => T.Contract;
}
