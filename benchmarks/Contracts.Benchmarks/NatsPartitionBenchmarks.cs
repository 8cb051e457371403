using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Contracts.Benchmarks.Nats;

[Command(Name = "Bench.NatsKeyed")]
public partial record NatsKeyed([property: PartitionKey] int Key, [property: IdempotencyKey] long Sequence);

[Command(Name = "Bench.NatsLoose")]
public partial record NatsLoose(int Key, [property: IdempotencyKey] long Sequence);

public sealed class NatsKeyedHandler(BatchCompletion counter) : ICommandHandler<NatsKeyed>, ICommandHandler<NatsLoose>
{
    public ValueTask HandleAsync(NatsKeyed command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(NatsLoose command, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Signal();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Issue 18's ratio on NATS JetStream: one endpoint with <see cref="Workers"/> workers, its contract partitioned by key
/// (16 partition subjects, each read through a durable consumer of its own by the holder of its lease, keyed lanes in
/// process) against the same endpoint and message shape unordered (one stream subject, one shared consumer, the
/// workers taking messages as they come). Each invocation sends <see cref="NatsBenchmarks.Messages"/> messages over
/// 1,000 keys, <see cref="InFlight"/> in flight, and waits until every handler ran (each message is acknowledged
/// after its handler). Each case consumes only its own endpoint, and its setup waits until one message of every key was
/// handled, so the partitioned case holds all its leases before it is timed. Per message: messages per second = 1e9 /
/// mean in ns. Each case in its own process.
/// </summary>
[MemoryDiagnoser]
public class NatsPartitionBenchmarks
{
    private const int Workers = 8;
    private const int Keys = 1000;
    private const int InFlight = 64;
    private const string Server = "nats://127.0.0.1:4222";

    // A prefix of its own: nothing here touches the tests' streams, the other NATS suite's, or the Shop's.
    private const string Prefix = "benchnatspart";

    private IHost? _host;
    private IMessageBus _bus = null!;
    private BatchCompletion _counter = null!;
    private long _next;

    [GlobalSetup(Targets = [nameof(Unordered_EndToEnd)])]
    public async Task SetupUnordered()
    {
        await StartAsync(keyed: false);
        await RoundAsync(Keys, static (bus, key, sequence) => bus.SendAsync(new NatsLoose(key, sequence)));
    }

    [GlobalSetup(Targets = [nameof(Partitioned_EndToEnd)])]
    public async Task SetupPartitioned()
    {
        await StartAsync(keyed: true);
        await RoundAsync(Keys, static (bus, key, sequence) => bus.SendAsync(new NatsKeyed(key, sequence)));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        await DeleteStreamsAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = NatsBenchmarks.Messages)]
    public Task Unordered_EndToEnd() =>
        RoundAsync(NatsBenchmarks.Messages, static (bus, key, sequence) => bus.SendAsync(new NatsLoose(key, sequence)));

    [Benchmark(OperationsPerInvoke = NatsBenchmarks.Messages)]
    public Task Partitioned_EndToEnd() =>
        RoundAsync(NatsBenchmarks.Messages, static (bus, key, sequence) => bus.SendAsync(new NatsKeyed(key, sequence)));

    /// <summary>Sends <paramref name="count"/> messages over the keys in turn, <see cref="InFlight"/> outstanding, and waits until all were handled.</summary>
    private async Task RoundAsync(int count, Func<IMessageBus, int, long, ValueTask> send)
    {
        Task done = _counter.Arm(count);
        await Contracts.Benchmarks.InFlight.SendAsync(count, InFlight, () =>
        {
            long sequence = _next++;
            return send(_bus, (int)(sequence % Keys), sequence);
        });
        await done;
    }

    private async Task StartAsync(bool keyed)
    {
        await DeleteStreamsAsync();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<BatchCompletion>();
        builder.Services.AddContracts(o => o.UseNats(Server, t =>
        {
            t.Prefix = Prefix;
            t.Defaults.Consume = false;
            t.Endpoint<NatsKeyed>(e =>
            {
                e.Consume = keyed;
                e.MaxConcurrency = Workers;
            });
            t.Endpoint<NatsLoose>(e =>
            {
                e.Consume = !keyed;
                e.MaxConcurrency = Workers;
            });
        }));
        _host = builder.Build();
        await _host.StartAsync();
        _bus = _host.Services.GetRequiredService<IMessageBus>();
        _counter = _host.Services.GetRequiredService<BatchCompletion>();
    }

    /// <summary>Deletes this suite's streams and its lease bucket, so each case starts empty.</summary>
    private static async Task DeleteStreamsAsync()
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = Server, Name = "bench reset" });
        await connection.ConnectAsync();
        var js = new NatsJSContext(connection);
        var names = new List<string>();
        await foreach (string name in js.ListStreamNamesAsync())
        {
            if (name.StartsWith(Prefix + "_", StringComparison.Ordinal) || name == "KV_" + Prefix + "_partitions")
            {
                names.Add(name);
            }
        }

        foreach (string name in names)
        {
            await js.DeleteStreamAsync(name);
        }
    }
}
