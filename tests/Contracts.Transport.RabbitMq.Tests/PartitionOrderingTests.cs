using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Contracts.Tests.Partitions;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>
/// Order per partition key on RabbitMQ: partition queues with a single active consumer, keyed lanes in each process,
/// delayed retries held unacknowledged; in one process, across two competing processes, and with one of them killed.
/// </summary>
public sealed class PartitionOrderingTests(ITestOutputHelper output)
{
    public const string Mode = "keyed-consumer";
    private const string Endpoint = "RmqTests.Keyed";
    private const int Workers = 8;

    /// <summary>The issue's size, 100,000 messages over 1,000 keys; <c>CONTRACTS_ORDERING_MESSAGES</c> scales it.</summary>
    private static int Messages =>
        int.TryParse(Environment.GetEnvironmentVariable("CONTRACTS_ORDERING_MESSAGES"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 100_000;

    private static string[] Queues()
    {
        string[] queues = new string[17];
        queues[0] = Endpoint;
        for (int i = 0; i < 16; i++)
        {
            queues[i + 1] = $"{Endpoint}.p{i}";
        }

        return queues;
    }

    private static void Configure(RabbitMqTransportOptions t) => t.Endpoint<Keyed>(e =>
    {
        e.Consume = true;
        e.MaxConcurrency = Workers;
        e.Retry.ImmediateRetries = 1;
        e.Retry.DelayedRetries = 2;
        e.Retry.Delay = TimeSpan.FromMilliseconds(20);
    });

    [Fact]
    public async Task A_hundred_thousand_messages_over_a_thousand_keys_stay_in_order_per_key_through_failures_and_retries()
    {
        await Broker.ResetAsync(Queues());
        int perKey = Messages / KeyedLedger.Keys;
        var ledger = new KeyedLedger();
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, Configure, services: s => s.AddSingleton(ledger));
        try
        {
            var clock = Stopwatch.StartNew();
            await KeyedRuns.SendAsync(host.Bus(), perKey);
            TimeSpan sent = clock.Elapsed;
            await Probe.WaitForAsync(() => Volatile.Read(ref ledger.Count) >= perKey * KeyedLedger.Keys, TimeSpan.FromSeconds(120),
                () => $"{ledger.Count} of {perKey * KeyedLedger.Keys} handled; {string.Join("; ", probe.Logs)}");
            output.WriteLine($"{perKey * KeyedLedger.Keys} messages: sent in {sent.TotalSeconds:F1} s, all handled in {clock.Elapsed.TotalSeconds:F1} s");

            (List<string> violations, int repeats) = KeyedLedger.Check(ledger.Handled, perKey, repeatsAllowed: false);
            Assert.Empty(ledger.Violations);
            Assert.True(violations.Count == 0, string.Join("\n", violations.GetRange(0, Math.Min(20, violations.Count))));
            Assert.Equal(0, repeats);
            Assert.Equal(0u, await Broker.ReadyCountAsync(Endpoint + ".error"));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task Across_two_competing_processes_a_hundred_thousand_messages_stay_in_order_per_key_and_none_is_lost()
    {
        await Broker.ResetAsync(Queues());
        int perKey = Messages / KeyedLedger.Keys;
        var records = new ConcurrentQueue<(int Key, int Seq, long At)>();
        Task<(Process, Task)> starting = KeyedRuns.StartConsumerAsync(ServiceProcess.StartInfo(Mode), records);
        (Process second, Task secondRead) = await KeyedRuns.StartConsumerAsync(ServiceProcess.StartInfo(Mode), records);
        (Process first, Task firstRead) = await starting;
        IHost sender = await RabbitHost.StartAsync(new Probe(), t => t.Endpoint<Keyed>(e => e.Consume = false));
        try
        {
            var clock = Stopwatch.StartNew();
            await KeyedRuns.SendAsync(sender.Bus(), perKey);
            await Probe.WaitForAsync(() => records.Count >= perKey * KeyedLedger.Keys, TimeSpan.FromSeconds(120),
                () => $"{records.Count} of {perKey * KeyedLedger.Keys} handled");
            output.WriteLine($"{perKey * KeyedLedger.Keys} messages over two processes handled in {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await sender.StopQuietlyAsync();
            await KeyedRuns.StopConsumerAsync(first, firstRead);
            await KeyedRuns.StopConsumerAsync(second, secondRead);
        }

        (List<string> violations, int repeats) = KeyedLedger.Check(records, perKey, repeatsAllowed: false);
        Assert.True(violations.Count == 0, string.Join("\n", violations.GetRange(0, Math.Min(20, violations.Count))));
        Assert.Equal(0, repeats);
        Assert.Equal(0u, await Broker.ReadyCountAsync(Endpoint + ".error"));
    }

    [Fact]
    public async Task When_one_of_two_consumers_is_killed_mid_stream_the_other_takes_its_partitions_over_in_order_per_key()
    {
        await Broker.ResetAsync(Queues());
        int perKey = Math.Max(1, Messages / 3 / KeyedLedger.Keys);
        int total = perKey * KeyedLedger.Keys;
        var firstRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        var secondRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        Task<(Process, Task)> starting = KeyedRuns.StartConsumerAsync(ServiceProcess.StartInfo(Mode), firstRecords);
        (Process second, Task secondRead) = await KeyedRuns.StartConsumerAsync(ServiceProcess.StartInfo(Mode), secondRecords);
        (Process first, Task firstRead) = await starting;
        IHost sender = await RabbitHost.StartAsync(new Probe(), t => t.Endpoint<Keyed>(e => e.Consume = false));
        int killedHad;
        try
        {
            Task sending = KeyedRuns.SendAsync(sender.Bus(), perKey);
            await Probe.WaitForAsync(() => firstRecords.Count + secondRecords.Count >= total / 3, TimeSpan.FromSeconds(60), () => "a third handled");

            // Kill the busier one (SIGKILL: no stop, no ack of what it holds): its unacknowledged messages, held retries
            // and parked keys go back to their partition queues at their places, and the survivor becomes their active consumer.
            bool killFirst = firstRecords.Count >= secondRecords.Count;
            Process victim = killFirst ? first : second;
            victim.Kill(entireProcessTree: true);
            await victim.WaitForExitAsync(TestContext.Current.CancellationToken);
            await (killFirst ? firstRead : secondRead);
            killedHad = (killFirst ? firstRecords : secondRecords).Count;
            ConcurrentQueue<(int Key, int Seq, long At)> survivor = killFirst ? secondRecords : firstRecords;
            await sending;
            await Probe.WaitForAsync(() => KeyedRuns.HandledAll(firstRecords, secondRecords, perKey), TimeSpan.FromSeconds(90), () => $"{survivor.Count} handled by the survivor");
            output.WriteLine($"{total} messages: the killed consumer handled {killedHad}, the survivor {survivor.Count}");
        }
        finally
        {
            await sender.StopQuietlyAsync();
            await KeyedRuns.StopConsumerAsync(first, firstRead);
            await KeyedRuns.StopConsumerAsync(second, secondRead);
        }

        Assert.True(killedHad > 0, "the killed consumer had handled nothing: the test killed no active consumer");
        var all = new List<(int Key, int Seq, long At)>(firstRecords);
        all.AddRange(secondRecords);
        (List<string> violations, int repeats) = KeyedLedger.Check(all, perKey, repeatsAllowed: true);
        output.WriteLine($"{repeats} redelivered after the kill");
        Assert.True(violations.Count == 0, string.Join("\n", violations.GetRange(0, Math.Min(20, violations.Count))));
    }

    /// <summary>A consumer process's own Main: consumes the keyed endpoint, writing what it handled, until its standard input closes.</summary>
    public static async Task<int> RunConsumerAsync()
    {
        var ledger = new KeyedLedger { Out = Console.Out };
        IHost host = await RabbitHost.StartAsync(new Probe(), Configure, services: s => s.AddSingleton(ledger));
        Console.Out.WriteLine("ready");
        await Console.In.ReadToEndAsync();
        await host.StopQuietlyAsync();
        foreach (string violation in ledger.Violations)
        {
            Console.Error.WriteLine(violation);
        }

        return ledger.Violations.IsEmpty ? 0 : 1;
    }
}
