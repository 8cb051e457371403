using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Contracts.Tests.Partitions;

namespace Contracts.Transport.Redis.Tests;

/// <summary>
/// Order per partition key on Redis Streams: partition streams each consumed by the holder of its lease, keyed lanes in
/// each process, delayed retries held with the entry pending; in one process, across two competing processes, and with
/// one of them killed (its partitions taken over, what it left pending first).
/// </summary>
public sealed class PartitionOrderingTests(ITestOutputHelper output)
{
    public const string Mode = "keyed-consumer";
    private const string Endpoint = "RedisTests.Keyed";
    private const int Workers = 8;
    private const int Partitions = 16;

    /// <summary>The issue's size, 100,000 messages over 1,000 keys; <c>CONTRACTS_ORDERING_MESSAGES</c> scales it.</summary>
    private static int Messages =>
        int.TryParse(Environment.GetEnvironmentVariable("CONTRACTS_ORDERING_MESSAGES"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 100_000;

    private static void Configure(RedisTransportOptions t)
    {
        t.PartitionLeaseTime = TimeSpan.FromSeconds(2); // a killed process's partitions move after 2 s
        t.Endpoint<Keyed>(e =>
        {
            e.Consume = true;
            e.MaxConcurrency = Workers;
            e.Retry.ImmediateRetries = 1;
            e.Retry.DelayedRetries = 2;
            e.Retry.Delay = TimeSpan.FromMilliseconds(20);
        });
    }

    /// <summary>Deletes the endpoint's streams, leases, membership and recorded partition count from earlier runs.</summary>
    private static async Task ResetAsync()
    {
        await RedisServer.ResetAsync(Endpoint);
        await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
        var keys = new List<RedisKey> { $"{RedisServer.Prefix}:{Endpoint}:members", $"{RedisServer.Prefix}:{Endpoint}:partitions" };
        for (int i = 0; i < Partitions + 4; i++)
        {
            keys.Add($"{RedisServer.Prefix}:{Endpoint}.p{i}");
            keys.Add($"{RedisServer.Prefix}:{Endpoint}:lease:{i}");
        }

        await connection.GetDatabase().KeyDeleteAsync([.. keys]);
    }

    [Fact]
    public async Task A_hundred_thousand_messages_over_a_thousand_keys_stay_in_order_per_key_through_failures_and_retries()
    {
        await ResetAsync();
        int perKey = Messages / KeyedLedger.Keys;
        var ledger = new KeyedLedger();
        var probe = new Probe();
        IHost host = await RedisHost.StartAsync(probe, Configure, services: s => s.AddSingleton(ledger));
        try
        {
            var clock = Stopwatch.StartNew();
            await KeyedRuns.SendAsync(host.Bus(), perKey);
            TimeSpan sent = clock.Elapsed;
            await Probe.WaitForAsync(() => Volatile.Read(ref ledger.Count) >= perKey * KeyedLedger.Keys, TimeSpan.FromSeconds(180),
                () => $"{ledger.Count} of {perKey * KeyedLedger.Keys} handled; {string.Join("; ", probe.Logs)}");
            output.WriteLine($"{perKey * KeyedLedger.Keys} messages: sent in {sent.TotalSeconds:F1} s, all handled in {clock.Elapsed.TotalSeconds:F1} s");

            (List<string> violations, int repeats) = KeyedLedger.Check(ledger.Handled, perKey, repeatsAllowed: false);
            Assert.Empty(ledger.Violations);
            Assert.True(violations.Count == 0, string.Join("\n", violations.GetRange(0, Math.Min(20, violations.Count))));
            Assert.Equal(0, repeats);
            await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
            Assert.Equal(0, await connection.GetDatabase().StreamLengthAsync(RedisServer.DeadLetters(Endpoint)));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task Across_two_competing_processes_a_hundred_thousand_messages_stay_in_order_per_key_and_none_is_lost()
    {
        await ResetAsync();
        int perKey = Messages / KeyedLedger.Keys;
        var firstRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        var secondRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        Task<(Process, Task)> starting = KeyedRuns.StartConsumerAsync(Worker.StartInfo(Mode), firstRecords);
        (Process second, Task secondRead) = await KeyedRuns.StartConsumerAsync(Worker.StartInfo(Mode), secondRecords);
        (Process first, Task firstRead) = await starting;
        IHost sender = await RedisHost.StartAsync(new Probe(), t => t.Endpoint<Keyed>(e => e.Consume = false));
        try
        {
            // Both hold their share (8 of 16) before the load starts, so both take part in it.
            await WaitForTwoHoldersAsync();
            var clock = Stopwatch.StartNew();
            await KeyedRuns.SendAsync(sender.Bus(), perKey);
            await Probe.WaitForAsync(() => firstRecords.Count + secondRecords.Count >= perKey * KeyedLedger.Keys, TimeSpan.FromSeconds(180),
                () => $"{firstRecords.Count + secondRecords.Count} of {perKey * KeyedLedger.Keys} handled");
            output.WriteLine($"{perKey * KeyedLedger.Keys} messages over two processes handled in {clock.Elapsed.TotalSeconds:F1} s ({firstRecords.Count} and {secondRecords.Count})");
        }
        finally
        {
            await sender.StopQuietlyAsync();
            await KeyedRuns.StopConsumerAsync(first, firstRead);
            await KeyedRuns.StopConsumerAsync(second, secondRead);
        }

        Assert.True(firstRecords.Count > 0 && secondRecords.Count > 0, $"one process did all the work ({firstRecords.Count} and {secondRecords.Count})");
        var all = new List<(int Key, int Seq, long At)>(firstRecords);
        all.AddRange(secondRecords);
        (List<string> violations, int repeats) = KeyedLedger.Check(all, perKey, repeatsAllowed: false);
        Assert.True(violations.Count == 0, string.Join("\n", violations.GetRange(0, Math.Min(20, violations.Count))));
        Assert.Equal(0, repeats);
        await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
        Assert.Equal(0, await connection.GetDatabase().StreamLengthAsync(RedisServer.DeadLetters(Endpoint)));
    }

    [Fact]
    public async Task When_one_of_two_consumers_is_killed_mid_stream_the_other_takes_its_partitions_over_in_order_per_key()
    {
        await ResetAsync();
        int perKey = Math.Max(1, Messages / 3 / KeyedLedger.Keys);
        int total = perKey * KeyedLedger.Keys;
        var firstRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        var secondRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        Task<(Process, Task)> starting = KeyedRuns.StartConsumerAsync(Worker.StartInfo(Mode), firstRecords);
        (Process second, Task secondRead) = await KeyedRuns.StartConsumerAsync(Worker.StartInfo(Mode), secondRecords);
        (Process first, Task firstRead) = await starting;
        IHost sender = await RedisHost.StartAsync(new Probe(), t => t.Endpoint<Keyed>(e => e.Consume = false));
        int killedHad;
        try
        {
            await WaitForTwoHoldersAsync();
            Task sending = KeyedRuns.SendAsync(sender.Bus(), perKey);
            await Probe.WaitForAsync(() => firstRecords.Count + secondRecords.Count >= total / 3, TimeSpan.FromSeconds(60), () => "a third handled");

            // Kill one (SIGKILL: no stop, no ack of what it holds): what it read ahead, was running or held for a delayed
            // retry stays pending under its name; once its leases run out the survivor takes its partitions and claims that first.
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

    [Fact]
    public async Task A_process_that_joins_mid_stream_gets_its_share_and_one_that_stops_hands_its_partitions_over_in_order_without_repeats()
    {
        await ResetAsync();
        int perKey = Math.Max(1, Messages / 3 / KeyedLedger.Keys);
        int total = perKey * KeyedLedger.Keys;
        var firstRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        var secondRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        (Process first, Task firstRead) = await KeyedRuns.StartConsumerAsync(Worker.StartInfo(Mode), firstRecords);
        Process? second = null;
        Task secondRead = Task.CompletedTask;
        IHost sender = await RedisHost.StartAsync(new Probe(), t => t.Endpoint<Keyed>(e => e.Consume = false));
        int firstHad;
        bool firstStopped = false;
        try
        {
            Task sending = KeyedRuns.SendAsync(sender.Bus(), perKey);
            await Probe.WaitForAsync(() => firstRecords.Count >= total / 4, TimeSpan.FromSeconds(60), () => $"{firstRecords.Count} of a quarter handled");

            // The second joins under load: the first gives back half its partitions, each once it let go of all it held of it.
            (second, secondRead) = await KeyedRuns.StartConsumerAsync(Worker.StartInfo(Mode), secondRecords);
            await WaitForTwoHoldersAsync();
            await Probe.WaitForAsync(() => firstRecords.Count + secondRecords.Count >= total / 2, TimeSpan.FromSeconds(60), () => "half handled");

            // The first stops (not killed): its running handlers finish, the rest stays pending, its leases go at once.
            await KeyedRuns.StopConsumerAsync(first, firstRead);
            firstStopped = true;
            firstHad = firstRecords.Count;
            await sending;
            await Probe.WaitForAsync(() => KeyedRuns.HandledAll(firstRecords, secondRecords, perKey), TimeSpan.FromSeconds(90), () => $"{secondRecords.Count} handled by the second");
            output.WriteLine($"{total} messages: the first consumer handled {firstHad}, the second {secondRecords.Count}");
        }
        finally
        {
            await sender.StopQuietlyAsync();
            if (!firstStopped)
            {
                await KeyedRuns.StopConsumerAsync(first, firstRead);
            }

            if (second is not null)
            {
                await KeyedRuns.StopConsumerAsync(second, secondRead);
            }
        }

        // How much each handled depends on how fast the first one was before the second joined; both must have had some.
        Assert.True(firstHad > 0 && secondRecords.Count > 0, $"the work was not shared ({firstHad} and {secondRecords.Count})");
        var all = new List<(int Key, int Seq, long At)>(firstRecords);
        all.AddRange(secondRecords);
        (List<string> violations, int repeats) = KeyedLedger.Check(all, perKey, repeatsAllowed: false);
        Assert.True(violations.Count == 0, string.Join("\n", violations.GetRange(0, Math.Min(20, violations.Count))));
        Assert.Equal(0, repeats);
    }

    [Fact]
    public async Task Each_subscription_of_a_keyed_event_gets_every_event_in_publish_order_per_key_from_the_events_partition_streams()
    {
        const int keys = 50;
        const int perKey = 40;
        await using (ConnectionMultiplexer connection = await RedisServer.ConnectAsync())
        {
            IServer server = connection.GetServer(RedisServer.Configuration);
            var stale = new List<RedisKey>();
            await foreach (RedisKey key in server.KeysAsync(pattern: $"{RedisServer.Prefix}:RedisTests.KeyedMoved*"))
            {
                stale.Add(key);
            }

            await connection.GetDatabase().KeyDeleteAsync([.. stale]);
        }

        var ledger = new MovedLedger();
        IHost host = await RedisHost.StartAsync(new Probe(), t => t.Endpoint<KeyedMoved>(e =>
        {
            e.Consume = true;
            e.MaxConcurrency = 4;
        }), services: s => s.AddSingleton(ledger));
        try
        {
            for (int seq = 1; seq <= perKey; seq++)
            {
                for (int key = 0; key < keys; key++)
                {
                    await host.Bus().PublishAsync(new KeyedMoved(key, seq), cancellationToken: TestContext.Current.CancellationToken);
                }
            }

            await Probe.WaitForAsync(() => ledger.First.Count >= keys * perKey && ledger.Second.Count >= keys * perKey, TimeSpan.FromSeconds(60),
                () => $"{ledger.First.Count} and {ledger.Second.Count} of {keys * perKey}");
            await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
            Assert.True(await connection.GetDatabase().KeyExistsAsync($"{RedisServer.Prefix}:RedisTests.KeyedMoved.p0"), "the event was not published to its partition streams");
        }
        finally
        {
            await host.StopQuietlyAsync();
        }

        foreach (ConcurrentQueue<(int Key, int Seq, long At)> received in new[] { ledger.First, ledger.Second })
        {
            int[] last = new int[keys];
            foreach ((int key, int seq, long _) in received)
            {
                Assert.True(seq == last[key] + 1, $"key {key}: {seq} after {last[key]}");
                last[key] = seq;
            }

            Assert.All(last, l => Assert.Equal(perKey, l));
        }
    }

    [Fact]
    public async Task A_consumer_with_another_partition_count_than_the_streams_were_made_with_is_refused_at_start_saying_why()
    {
        await ResetAsync();
        var probe = new Probe();
        IHost host = await RedisHost.StartAsync(probe, Configure, services: s => s.AddSingleton(new KeyedLedger()));
        await host.StopQuietlyAsync();

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() => RedisHost.StartAsync(probe, t =>
        {
            Configure(t);
            t.Partitions = 8;
        }, services: s => s.AddSingleton(new KeyedLedger())));
        Assert.Contains("in 8 partition streams here", ex.Message, StringComparison.Ordinal);
        Assert.Contains("were made for 16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sender_with_another_partition_count_than_its_consumers_is_refused_saying_why_and_sends_nothing()
    {
        await ResetAsync();
        IHost consumer = await RedisHost.StartAsync(new Probe(), Configure, services: s => s.AddSingleton(new KeyedLedger()));
        await consumer.StopQuietlyAsync(); // the partition streams, their group and the recorded count stay

        IHost sender = await RedisHost.StartAsync(new Probe(), t =>
        {
            t.Partitions = 8;
            t.Endpoint<Keyed>(e => e.Consume = false);
        });
        IHost agreeing = await RedisHost.StartAsync(new Probe(), t => t.Endpoint<Keyed>(e => e.Consume = false));
        try
        {
            for (int attempt = 0; attempt < 2; attempt++)
            {
                // Refused every time, not only on the first send.
                InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(
                    () => sender.Bus().SendAsync(new Keyed(7, 1), cancellationToken: TestContext.Current.CancellationToken).AsTask());
                Assert.Contains("over 8 partition streams here", ex.Message, StringComparison.Ordinal);
                Assert.Contains($"its consumers made {Partitions}", ex.Message, StringComparison.Ordinal);
                Assert.Contains("The message was not sent", ex.Message, StringComparison.Ordinal);
            }

            Assert.Equal(0, await EntriesInPartitionStreamsAsync());

            // A sender with the consumers' count sends, to the key's one partition.
            await agreeing.Bus().SendAsync(new Keyed(7, 1), cancellationToken: TestContext.Current.CancellationToken);
            await agreeing.Bus().SendAsync(new Keyed(7, 2), cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(2, await EntriesInPartitionStreamsAsync());
        }
        finally
        {
            await sender.StopQuietlyAsync();
            await agreeing.StopQuietlyAsync();
        }
    }

    /// <summary>How many entries the endpoint's partition streams hold, all of them together.</summary>
    private static async Task<long> EntriesInPartitionStreamsAsync()
    {
        await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
        long entries = 0;
        for (int i = 0; i < Partitions; i++)
        {
            entries += await connection.GetDatabase().StreamLengthAsync($"{RedisServer.Prefix}:{Endpoint}.p{i}");
        }

        return entries;
    }

    /// <summary>Waits until every partition is leased and two consumers share them.</summary>
    private static async Task WaitForTwoHoldersAsync()
    {
        var clock = Stopwatch.StartNew();
        while (await LeaseHolders() != 2)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the two consumers did not come to share the partitions within 30 s");
            await Task.Delay(100);
        }
    }

    /// <summary>How many consumers hold the endpoint's partition leases now (0 while some partition has no holder).</summary>
    private static async Task<int> LeaseHolders()
    {
        await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
        IDatabase database = connection.GetDatabase();
        var holders = new HashSet<string>(StringComparer.Ordinal);
        int held = 0;
        for (int i = 0; i < Partitions; i++)
        {
            if (await database.StringGetAsync($"{RedisServer.Prefix}:{Endpoint}:lease:{i}") is { IsNull: false } holder)
            {
                holders.Add(holder.ToString());
                held++;
            }
        }

        return held == Partitions ? holders.Count : 0;
    }

    /// <summary>A consumer process's own Main: consumes the keyed endpoint, writing what it handled, until its standard input closes.</summary>
    public static async Task<int> RunConsumerAsync()
    {
        var ledger = new KeyedLedger { Out = Console.Out };
        IHost host = await RedisHost.StartAsync(new Probe(), Configure, services: s => s.AddSingleton(ledger));
        Console.Out.WriteLine("ready");
        await Console.Out.FlushAsync();
        await Console.In.ReadToEndAsync();
        await host.StopQuietlyAsync();
        foreach (string violation in ledger.Violations)
        {
            Console.Error.WriteLine(violation);
        }

        return ledger.Violations.IsEmpty ? 0 : 1;
    }
}
