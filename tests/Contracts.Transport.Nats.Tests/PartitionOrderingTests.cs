using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Tests.Partitions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Contracts.Transport.Nats.Tests;

/// <summary>
/// Order per partition key on NATS JetStream: partition subjects each read through a durable consumer of its own by the
/// holder of its lease in a key-value bucket, keyed lanes in each process, delayed retries held with the message
/// unacknowledged; in one process, across two competing processes, and with one of them killed (its partitions taken
/// over, what it left unacknowledged first), a process joining and one stopping, a server restart, a keyed dead letter's
/// replay and a partition count mismatch. One file over the usual size: every test shares the helpers at its end and
/// its consumer process's Main.
/// </summary>
public sealed class PartitionOrderingTests(ITestOutputHelper output)
{
    public const string Mode = "keyed-consumer";

    /// <summary>This test's consumer processes' log files (see <see cref="FileLoggerProvider"/>), printed when it fails and kept; deleted when it passes.</summary>
    private readonly Lazy<string> _logDirectory = new(() => Directory.CreateTempSubdirectory("natskeyed-").FullName);

    private string Logs => _logDirectory.Value;

    /// <summary>A prefix of these tests' own: their streams, consumers and lease bucket are apart from every other test's.</summary>
    private const string Prefix = "natskeyed";
    private const int Workers = 8;
    private const int Partitions = 16;

    /// <summary>The issue's size, 100,000 messages over 1,000 keys; <c>CONTRACTS_ORDERING_MESSAGES</c> scales it.</summary>
    private static int Messages =>
        int.TryParse(Environment.GetEnvironmentVariable("CONTRACTS_ORDERING_MESSAGES"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 100_000;

    private static void Configure(NatsTransportOptions t)
    {
        t.Prefix = Prefix;
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

    private static void Sender(NatsTransportOptions t)
    {
        t.Prefix = Prefix;
        t.Endpoint<Keyed>(e => e.Consume = false);
    }

    /// <summary>Deletes the endpoint's stream, its consumers and the lease bucket of earlier runs.</summary>
    private static async Task ResetAsync()
    {
        await NatsServer.ResetAsync(Prefix);
        await using NatsConnection connection = await NatsServer.ConnectAsync();
        var js = new NatsJSContext(connection);
        try
        {
            await js.DeleteStreamAsync(LeaseStream);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            // Never made: a first run.
        }
    }

    private const string LeaseStream = "KV_" + Prefix + "_partitions";

    [Fact]
    public async Task A_hundred_thousand_messages_over_a_thousand_keys_stay_in_order_per_key_through_failures_and_retries()
    {
        await ResetAsync();
        int perKey = Messages / KeyedLedger.Keys;
        var ledger = new KeyedLedger();
        var probe = new Probe();
        IHost host = await NatsHost.StartAsync(probe, Configure, services: s => s.AddSingleton(ledger));
        try
        {
            await WaitForHoldersAsync(1);
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
            Assert.Equal(0, await DeadLettersAsync());
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public Task Across_two_competing_processes_a_hundred_thousand_messages_stay_in_order_per_key_and_none_is_lost() => WithLogsAsync(TwoProcessesAsync);

    private async Task TwoProcessesAsync()
    {
        await ResetAsync();
        int perKey = Messages / KeyedLedger.Keys;
        var firstRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        var secondRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        Task<(Process, Task)> starting = KeyedRuns.StartConsumerAsync(StartInfo("first"), firstRecords);
        (Process second, Task secondRead) = await KeyedRuns.StartConsumerAsync(StartInfo("second"), secondRecords);
        (Process first, Task firstRead) = await starting;
        IHost sender = await NatsHost.StartAsync(new Probe(), Sender);
        try
        {
            // Both hold their share (8 of 16) before the load starts, so both take part in it.
            await WaitForHoldersAsync(2);
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
        Assert.Equal(0, await DeadLettersAsync());
    }

    [Fact]
    public Task When_one_of_two_consumers_is_killed_mid_stream_the_other_takes_its_partitions_over_in_order_per_key() => WithLogsAsync(KillOneAsync);

    private async Task KillOneAsync()
    {
        await ResetAsync();
        int perKey = Math.Max(3, Messages / 3 / KeyedLedger.Keys);
        int total = perKey * KeyedLedger.Keys;
        var firstRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        var secondRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        Task<(Process, Task)> starting = KeyedRuns.StartConsumerAsync(StartInfo("first"), firstRecords);
        (Process second, Task secondRead) = await KeyedRuns.StartConsumerAsync(StartInfo("second"), secondRecords);
        (Process first, Task firstRead) = await starting;
        IHost sender = await NatsHost.StartAsync(new Probe(), Sender);
        int killedHad;
        try
        {
            await WaitForHoldersAsync(2);
            Task sending = KeyedRuns.SendAsync(sender.Bus(), perKey);
            await Probe.WaitForAsync(() => firstRecords.Count + secondRecords.Count >= total / 3, TimeSpan.FromSeconds(60), () => "a third handled");

            // Kill one (SIGKILL: no stop, no ack of what it holds): what it read ahead, was running or held for a delayed
            // retry stays unacknowledged; once its leases run out the survivor takes its partitions, recreating their
            // consumers, which deliver that first, in stream order.
            bool killFirst = firstRecords.Count >= secondRecords.Count;
            Process victim = killFirst ? first : second;
            victim.Kill(entireProcessTree: true);
            await victim.WaitForExitAsync(TestContext.Current.CancellationToken);
            await (killFirst ? firstRead : secondRead);
            long killed = Stopwatch.GetTimestamp();
            killedHad = (killFirst ? firstRecords : secondRecords).Count;
            ConcurrentQueue<(int Key, int Seq, long At)> survivor = killFirst ? secondRecords : firstRecords;
            await sending;
            await Probe.WaitForAsync(() => KeyedRuns.HandledAll(firstRecords, secondRecords, perKey), TimeSpan.FromSeconds(90), () => $"{survivor.Count} handled by the survivor");
            output.WriteLine($"{total} messages: the killed consumer handled {killedHad}, the survivor {survivor.Count}; all done {Stopwatch.GetElapsedTime(killed).TotalSeconds:F1} s after the kill");
            Assert.Equal(1, await CountHoldersAsync());
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
    public Task A_process_that_joins_gets_its_share_and_one_that_stops_mid_stream_hands_its_partitions_over_in_order_without_repeats() => WithLogsAsync(JoinThenStopAsync);

    private async Task JoinThenStopAsync()
    {
        await ResetAsync();
        int perKey = Math.Max(6, Messages / 3 / KeyedLedger.Keys);
        int third = perKey / 3;
        var firstRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        var secondRecords = new ConcurrentQueue<(int Key, int Seq, long At)>();
        using var log = new FileLoggerProvider(Path.Combine(Logs, "test.log"));
        void Note(string what) => log.Write("test", nameof(LogLevel.Information), what);
        (Process first, Task firstRead) = await KeyedRuns.StartConsumerAsync(StartInfo("first"), firstRecords);
        Process? second = null;
        Task secondRead = Task.CompletedTask;
        IHost sender = await NatsHost.StartAsync(new Probe(), Sender, log: log);
        bool firstStopped = false;
        int firstHad;
        try
        {
            // The first alone, then the second joins: the first gives back half its partitions, each once it let go of
            // all it held of it, and the next third is shared.
            await WaitForHoldersAsync(1);
            Note($"the first holds every partition; sending 1..{third}");
            await SendAsync(sender.Bus(), 1, third);
            Note("sent; starting the second");
            (second, secondRead) = await KeyedRuns.StartConsumerAsync(StartInfo("second"), secondRecords);
            await WaitForHoldersAsync(2);
            Note($"two hold the partitions; sending {third + 1}..{2 * third}");
            await SendAsync(sender.Bus(), third + 1, 2 * third);
            Note("sent");
            await Probe.WaitForAsync(() => firstRecords.Count + secondRecords.Count >= 2 * third * KeyedLedger.Keys, TimeSpan.FromSeconds(60),
                () => $"two thirds handled: {Unfinished(firstRecords, secondRecords, 2 * third)}");
            Note($"two thirds handled ({firstRecords.Count} and {secondRecords.Count})");
            Assert.True(CountAbove(firstRecords, third) > 0 && CountAbove(secondRecords, third) > 0,
                $"the second third was not shared ({CountAbove(firstRecords, third)} and {CountAbove(secondRecords, third)})");

            // The first stops (not killed) under load: its running handlers finish, the rest stays unacknowledged at its
            // place, its leases go at once, and the second takes its partitions over.
            Task sending = SendAsync(sender.Bus(), 2 * third + 1, perKey);
            await Probe.WaitForAsync(() => firstRecords.Count + secondRecords.Count >= (2 * third * KeyedLedger.Keys) + 1000, TimeSpan.FromSeconds(60), () => "the last third started");
            Note("stopping the first");
            await KeyedRuns.StopConsumerAsync(first, firstRead);
            firstStopped = true;
            firstHad = firstRecords.Count;
            Note($"the first stopped ({firstHad} handled)");
            await sending;
            Note("all sent");
            await Probe.WaitForAsync(() => KeyedRuns.HandledAll(firstRecords, secondRecords, perKey), TimeSpan.FromSeconds(90),
                () => $"{secondRecords.Count} handled by the second; {Unfinished(firstRecords, secondRecords, perKey)}");
            Note("all handled");
            output.WriteLine($"{perKey * KeyedLedger.Keys} messages: the first consumer handled {firstHad}, the second {secondRecords.Count}");
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

        var all = new List<(int Key, int Seq, long At)>(firstRecords);
        all.AddRange(secondRecords);
        (List<string> violations, int repeats) = KeyedLedger.Check(all, perKey, repeatsAllowed: false);
        Assert.True(violations.Count == 0, string.Join("\n", violations.GetRange(0, Math.Min(20, violations.Count))));
        Assert.Equal(0, repeats);
    }

    /// <summary>Sends seq <paramref name="from"/>..<paramref name="to"/> of every key: 32 senders, each awaiting every send of its own keys in turn.</summary>
    private static async Task SendAsync(IMessageBus bus, int from, int to)
    {
        const int senders = 32;
        var tasks = new Task[senders];
        for (int s = 0; s < senders; s++)
        {
            int sender = s;
            tasks[s] = Task.Run(async () =>
            {
                for (int seq = from; seq <= to; seq++)
                {
                    for (int key = sender; key < KeyedLedger.Keys; key += senders)
                    {
                        await bus.SendAsync(new Keyed(key, seq));
                    }
                }
            });
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>The keys whose last handled message is below <paramref name="upTo"/>, with it (the first 20).</summary>
    private static string Unfinished(ConcurrentQueue<(int Key, int Seq, long At)> first, ConcurrentQueue<(int Key, int Seq, long At)> second, int upTo)
    {
        int[] highest = new int[KeyedLedger.Keys];
        foreach ((int key, int seq, long _) in first)
        {
            highest[key] = Math.Max(highest[key], seq);
        }

        foreach ((int key, int seq, long _) in second)
        {
            highest[key] = Math.Max(highest[key], seq);
        }

        var unfinished = new List<string>();
        int count = 0;
        for (int key = 0; key < KeyedLedger.Keys; key++)
        {
            if (highest[key] < upTo && count++ < 20)
            {
                unfinished.Add(string.Create(CultureInfo.InvariantCulture, $"{key}@{highest[key]}"));
            }
        }

        return $"{count} keys unfinished (key@last): {string.Join(", ", unfinished)}";
    }


    private static int CountAbove(ConcurrentQueue<(int Key, int Seq, long At)> records, int seq)
    {
        int count = 0;
        foreach ((int _, int s, long _) in records)
        {
            if (s > seq)
            {
                count++;
            }
        }

        return count;
    }

    [Fact]
    public async Task A_consumer_with_another_partition_count_than_the_stream_was_made_with_is_refused_and_so_is_a_send()
    {
        await ResetAsync();
        IHost host = await NatsHost.StartAsync(new Probe(), Configure, services: s => s.AddSingleton(new KeyedLedger()));
        try
        {
            InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => NatsHost.StartAsync(new Probe(), t =>
            {
                Configure(t);
                t.Partitions = 8;
            }, services: s => s.AddSingleton(new KeyedLedger())));
            Assert.Contains("partitioned in 8 subjects here", refused.Message, StringComparison.Ordinal);
            Assert.Contains("made for another count", refused.Message, StringComparison.Ordinal);

            // A sender with another count: its partition subject is not the stream's, and it says so instead of waiting.
            IHost sender = await NatsHost.StartAsync(new Probe(), t =>
            {
                Sender(t);
                t.Partitions = 8;
                t.PublishTimeout = TimeSpan.FromSeconds(20);
            });
            try
            {
                var clock = Stopwatch.StartNew();
                InvalidOperationException failed = await Assert.ThrowsAsync<InvalidOperationException>(
                    async () => await sender.Bus().SendAsync(new Keyed(3, 1), cancellationToken: TestContext.Current.CancellationToken));
                Assert.Contains("another count than this process's NatsTransportOptions.Partitions (8)", failed.Message, StringComparison.Ordinal);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the send took {clock.Elapsed} to fail");
            }
            finally
            {
                await sender.StopQuietlyAsync();
            }
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task Keyed_messages_stay_in_order_per_key_across_a_server_restart_mid_stream_and_the_inbox_drops_the_repeats()
    {
        await ResetAsync();
        int perKey = Math.Max(10, Messages / 5 / KeyedLedger.Keys);
        int total = perKey * KeyedLedger.Keys;
        var ledger = new KeyedLedger();
        var probe = new Probe();
        IHost host = await NatsHost.StartAsync(probe, t =>
        {
            t.Prefix = Prefix;
            t.PartitionLeaseTime = TimeSpan.FromSeconds(10); // longer than the restart: the process keeps its partitions through it
            t.AckWait = TimeSpan.FromSeconds(5);
            t.Endpoint<Keyed>(e =>
            {
                e.Consume = true;
                e.MaxConcurrency = Workers;
                e.Retry.ImmediateRetries = 1;
                e.Retry.DelayedRetries = 2;
                e.Retry.Delay = TimeSpan.FromMilliseconds(20);
                e.Delivery = DeliveryMode.EffectivelyOnce; // an ack the restart lost brings the message back: the inbox drops it
            });
        }, services: s => s.AddSingleton(ledger));
        try
        {
            await WaitForHoldersAsync(1);
            Task sending = KeyedRuns.SendAsync(host.Bus(), perKey);
            await Probe.WaitForAsync(() => Volatile.Read(ref ledger.Count) >= total / 5, TimeSpan.FromSeconds(60), () => $"{ledger.Count} handled before the restart");
            int handledAtRestart = Volatile.Read(ref ledger.Count);
            await NatsServer.RestartAsync();
            await sending.WaitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => Volatile.Read(ref ledger.Count) >= total, TimeSpan.FromSeconds(120),
                () => $"{ledger.Count} of {total} handled; {string.Join("; ", probe.Logs)}");
            output.WriteLine($"{total} messages, {handledAtRestart} handled before the restart");
            Assert.True(handledAtRestart < total / 2, $"The restart came too late to test anything: {handledAtRestart} handled already.");
            Assert.True(probe.LogsContaining("reconnecting") > 0, string.Join("\n", probe.Logs));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }

        (List<string> violations, int repeats) = KeyedLedger.Check(ledger.Handled, perKey, repeatsAllowed: false);
        Assert.Empty(ledger.Violations);
        Assert.True(violations.Count == 0, string.Join("\n", violations.GetRange(0, Math.Min(20, violations.Count))));
        Assert.Equal(0, repeats);
    }

    [Fact]
    public async Task A_keyed_message_that_fails_is_dead_lettered_its_key_goes_on_and_its_replay_returns_to_its_partition()
    {
        await ResetAsync();
        var probe = new Probe();
        IHost host = await NatsHost.StartAsync(probe, t =>
        {
            t.Prefix = Prefix;
            t.PartitionLeaseTime = TimeSpan.FromSeconds(2);
            t.Endpoint<KeyedPoison>(e =>
            {
                e.Consume = true;
                e.MaxConcurrency = 4;
                e.Retry.ImmediateRetries = 1;
                e.Retry.DelayedRetries = 0;
                e.OrderingFailure = OrderingFailureMode.SkipAndDeadLetter;
            });
        });
        try
        {
            for (int seq = 1; seq <= 5; seq++)
            {
                await host.Bus().SendAsync(new KeyedPoison(7, seq, Fails: seq == 3), cancellationToken: TestContext.Current.CancellationToken);
                await host.Bus().SendAsync(new KeyedPoison(8, seq, Fails: false), cancellationToken: TestContext.Current.CancellationToken);
            }

            IDeadLetters letters = host.Services.GetRequiredService<IDeadLetters>();
            IReadOnlyList<Storage.DeadLetter> dead = [];
            await Probe.WaitForAsync(() => probe.Keyed.Count >= 9 && (dead = letters.ListAsync().AsTask().GetAwaiter().GetResult()).Count == 1,
                TimeSpan.FromSeconds(30), () => $"{probe.Keyed.Count} handled, {dead.Count} dead letters; {string.Join("; ", probe.Logs)}");
            Assert.Equal([(7, 1), (7, 2), (7, 4), (7, 5)], FilterKey(probe.Keyed, 7));
            Assert.Equal([(8, 1), (8, 2), (8, 3), (8, 4), (8, 5)], FilterKey(probe.Keyed, 8));

            // The replay goes to the partition its key picks (the stream captures no other subject): handled now.
            probe.Healed = true;
            Assert.True(await letters.ReplayAsync(dead[0].Id, TestContext.Current.CancellationToken));
            await Probe.WaitForAsync(() => probe.Keyed.Count == 10, TimeSpan.FromSeconds(30), () => $"{probe.Keyed.Count} handled; {string.Join("; ", probe.Logs)}");
            Assert.Equal((7, 3), FilterKey(probe.Keyed, 7)[^1]);
            Assert.Empty(await letters.ListAsync(cancellationToken: TestContext.Current.CancellationToken));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    private static List<(int Key, int Seq)> FilterKey(ConcurrentQueue<(int Key, int Seq)> handled, int key)
    {
        var of = new List<(int Key, int Seq)>();
        foreach ((int k, int seq) in handled)
        {
            if (k == key)
            {
                of.Add((k, seq));
            }
        }

        return of;
    }

    private ProcessStartInfo StartInfo(string name)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Contracts.Transport.Nats.Tests.dll"));
        start.Environment[ServiceProcess.ModeVariable] = Mode;
        start.Environment[FileLoggerProvider.Variable] = Path.Combine(Logs, name + ".log");
        return start;
    }

    /// <summary>How many letters the dead-letter stream of the prefix holds.</summary>
    private static async Task<long> DeadLettersAsync() => await NatsServer.StreamCountAsync(Prefix + "_dead");

    /// <summary>Waits until every partition is leased and <paramref name="expected"/> processes share them.</summary>
    private static async Task WaitForHoldersAsync(int expected)
    {
        var clock = Stopwatch.StartNew();
        int holders;
        while ((holders = await CountHoldersAsync()) != expected)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{expected} consumers did not come to hold every partition within 30 s ({holders})");
            await Task.Delay(100);
        }
    }

    /// <summary>How many processes hold the endpoint's partition leases now (0 while some partition has no holder).</summary>
    private static async Task<int> CountHoldersAsync()
    {
        await using NatsConnection connection = await NatsServer.ConnectAsync();
        var js = new NatsJSContext(connection);
        INatsJSStream bucket;
        try
        {
            bucket = await js.GetStreamAsync(LeaseStream, new StreamInfoRequest { SubjectsFilter = $"$KV.{Prefix}_partitions.>" });
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return 0;
        }

        var holders = new HashSet<string>(StringComparer.Ordinal);
        int leases = 0;
        foreach (string subject in (bucket.Info.State.Subjects ?? new Dictionary<string, long>()).Keys)
        {
            if (!subject.Contains(".lease.", StringComparison.Ordinal))
            {
                continue;
            }

            NatsMsg<byte[]> lease = await bucket.GetDirectAsync(new StreamMsgGetRequest { LastBySubj = subject }, NatsRawSerializer<byte[]>.Default);
            if (lease.Data is { Length: > 0 } holder)
            {
                holders.Add(Encoding.UTF8.GetString(holder));
                leases++;
            }
        }

        return leases == Partitions ? holders.Count : 0;
    }

    /// <summary>A consumer process's own Main: consumes the keyed endpoint, writing what it handled, until its standard input closes.</summary>
    public static async Task<int> RunConsumerAsync()
    {
        var ledger = new KeyedLedger { Out = Console.Out };
        using FileLoggerProvider? log = Environment.GetEnvironmentVariable(FileLoggerProvider.Variable) is { Length: > 0 } path ? new FileLoggerProvider(path) : null;
        IHost host = await NatsHost.StartAsync(new Probe(), Configure, services: s => s.AddSingleton(ledger), log: log);
        log?.Write("test", nameof(LogLevel.Information), "ready");
        Console.Out.WriteLine("ready");
        await Console.Out.FlushAsync();
        await Console.In.ReadToEndAsync();
        log?.Write("test", nameof(LogLevel.Information), "stopping");
        await host.StopQuietlyAsync();
        log?.Write("test", nameof(LogLevel.Information), $"stopped; {ledger.Count} handled");
        foreach (string violation in ledger.Violations)
        {
            Console.Error.WriteLine(violation);
            log?.Write("test", nameof(LogLevel.Error), "violation: " + violation);
        }

        return ledger.Violations.IsEmpty ? 0 : 1;
    }

    /// <summary>
    /// Runs a cross-process test: when it fails, prints what each consumer process logged (Information and above; the
    /// files keep Debug); when it passes, asserts that no consumer saw two handlers of one key at once.
    /// </summary>
    private async Task WithLogsAsync(Func<Task> test)
    {
        try
        {
            await test();
        }
        catch (Exception)
        {
            PrintLogs();
            throw;
        }

        var violations = new List<string>();
        foreach (string file in Directory.GetFiles(Logs, "*.log"))
        {
            foreach (string line in FileLoggerProvider.Read(file, LogLevel.Error, int.MaxValue))
            {
                if (line.Contains("violation: ", StringComparison.Ordinal))
                {
                    violations.Add($"{Path.GetFileNameWithoutExtension(file)}: {line}");
                }
            }
        }

        if (violations.Count > 0)
        {
            PrintLogs();
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));

        // Passed: what the transport warned of on the way (a lease in doubt or lost, a flush unanswered) is still worth seeing.
        foreach (string file in Directory.GetFiles(Logs, "*.log"))
        {
            List<string> warnings = FileLoggerProvider.Read(file, LogLevel.Warning, 20, static line =>
                line.Contains(" NatsTransport: ", StringComparison.Ordinal) && !line.Contains("was not settled", StringComparison.Ordinal));
            output.WriteLine($"{Path.GetFileNameWithoutExtension(file)}: {warnings.Count} transport warnings");
            foreach (string line in warnings)
            {
                output.WriteLine(line);
            }
        }

        Directory.Delete(Logs, recursive: true);
    }

    private void PrintLogs()
    {
        foreach (string file in Directory.GetFiles(Logs, "*.log"))
        {
            output.WriteLine($"--- {file} (Information and above; the file has Debug too) ---");
            // Not the handlers' failures on purpose and their retries: what the transport and the test did.
            foreach (string line in FileLoggerProvider.Read(file, LogLevel.Information, 400, static line =>
                !line.Contains("failed on purpose", StringComparison.Ordinal) && !line.Contains(" is scheduled in ", StringComparison.Ordinal)))
            {
                output.WriteLine(line);
            }
        }
    }
}
