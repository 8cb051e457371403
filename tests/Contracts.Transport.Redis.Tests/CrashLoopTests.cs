using System;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Contracts.Transport.Redis.Tests;

/// <summary>
/// A message whose handler takes the process down: each crash leaves its entry pending, the next consumer takes it
/// over (XAUTOCLAIM counts the delivery), and after <see cref="ContractsOptions.MaxUnfinishedDeliveries"/> it is
/// dead-lettered instead of crashing every consumer that starts, and the message behind it is handled.
/// </summary>
public sealed class CrashLoopTests
{
    public const string Mode = "crasher";
    public const string KeyedMode = "keyed-crasher";
    private const string Endpoint = "RedisTests.Crash";
    private const string KeyedEndpoint = "RedisTests.KeyedCrash";
    private const int KeyedPartitions = 2;

    [Fact]
    public async Task A_message_that_crashes_the_process_is_dead_lettered_after_the_unfinished_deliveries_allowed()
    {
        await RedisServer.ResetAsync(Endpoint);
        var probe = new Probe();
        var fatal = Guid.NewGuid();
        var good = Guid.NewGuid();

        // A consumer creates the stream and its group first (a command to no stream fails), and stops before anything is sent.
        (int firstExit, string firstOutput) = await RunCrasherAsync(TimeSpan.FromSeconds(1));
        Assert.True(firstExit == 0, firstOutput);
        IHost sender = await RedisHost.StartAsync(probe, t => t.Endpoint<Crash>(e => e.Consume = false));
        try
        {
            await sender.Bus().SendAsync(new Crash(fatal, Fatal: true), cancellationToken: TestContext.Current.CancellationToken);
            await sender.Bus().SendAsync(new Crash(good, Fatal: false), cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            await sender.StopQuietlyAsync();
        }

        // MaxUnfinishedDeliveries = 2: two consumers crash on it; the third takes it over with a delivery count of 3,
        // dead-letters it and lives.
        int crashes = 0;
        var output = new StringBuilder();
        bool goodHandled = false;
        for (int run = 0; run < 5; run++)
        {
            (int exit, string printed) = await RunCrasherAsync(TimeSpan.FromSeconds(4));
            output.AppendLine(CultureInfo.InvariantCulture, $"run {run}: exit {exit}").Append(printed);
            goodHandled |= printed.Contains($"handled {good}", StringComparison.Ordinal);
            if (exit == 0)
            {
                break;
            }

            crashes++;
        }

        Assert.True(crashes == 2, $"{crashes} crashes:\n{output}");
        Assert.True(goodHandled, $"The good message behind the fatal one was not handled:\n{output}");
        await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
        StreamEntry letter = Assert.Single(await connection.GetDatabase().StreamRangeAsync(RedisServer.DeadLetters(Endpoint)));
        Assert.Equal("CrashLoop", (string?)letter["contracts-error-reason"]);
        Assert.EndsWith(fatal.ToString("N"), (string?)letter["contracts-idempotency-key"], StringComparison.Ordinal);
        StreamPendingInfo pending = await connection.GetDatabase().StreamPendingAsync(RedisServer.Stream(Endpoint), Endpoint);
        Assert.Equal(0, pending.PendingMessageCount);
    }

    [Fact]
    public async Task On_a_partitioned_endpoint_a_message_that_crashes_the_process_is_dead_lettered_and_its_key_goes_on_in_order()
    {
        await RedisServer.ResetAsync(KeyedEndpoint);
        await using (ConnectionMultiplexer reset = await RedisServer.ConnectAsync())
        {
            var keys = new System.Collections.Generic.List<RedisKey>
            {
                $"{RedisServer.Prefix}:{KeyedEndpoint}:members", $"{RedisServer.Prefix}:{KeyedEndpoint}:partitions",
            };
            for (int i = 0; i < KeyedPartitions; i++)
            {
                keys.Add($"{RedisServer.Prefix}:{KeyedEndpoint}.p{i}");
                keys.Add($"{RedisServer.Prefix}:{KeyedEndpoint}:lease:{i}");
            }

            await reset.GetDatabase().KeyDeleteAsync([.. keys]);
        }

        var fatal = Guid.NewGuid();
        Guid[] sameKey = [Guid.NewGuid(), Guid.NewGuid()];
        var otherKey = Guid.NewGuid();

        // A consumer creates the partition streams and their group first, and stops before anything is sent.
        (int firstExit, string firstOutput) = await RunCrasherAsync(TimeSpan.FromSeconds(1), KeyedMode);
        Assert.True(firstExit == 0, firstOutput);
        IHost sender = await RedisHost.StartAsync(new Probe(), t =>
        {
            t.Partitions = KeyedPartitions;
            t.Endpoint<KeyedCrash>(e => e.Consume = false);
        });
        try
        {
            CancellationToken cancel = TestContext.Current.CancellationToken;
            await sender.Bus().SendAsync(new KeyedCrash("a", fatal, Fatal: true), cancellationToken: cancel);
            await sender.Bus().SendAsync(new KeyedCrash("a", sameKey[0], Fatal: false), cancellationToken: cancel);
            await sender.Bus().SendAsync(new KeyedCrash("a", sameKey[1], Fatal: false), cancellationToken: cancel);
            await sender.Bus().SendAsync(new KeyedCrash("b", otherKey, Fatal: false), cancellationToken: cancel);
        }
        finally
        {
            await sender.StopQuietlyAsync();
        }

        // MaxUnfinishedDeliveries = 2: two holders of key a's partition crash on it; the third takes the entry over
        // (after the dead holder's lease ran out) with a delivery count of 3, dead-letters it and handles key a's next
        // messages, in order, after it and never before.
        int crashes = 0;
        var output = new StringBuilder();
        string? survivor = null;
        bool otherHandled = false;
        for (int run = 0; run < 5; run++)
        {
            (int exit, string printed) = await RunCrasherAsync(TimeSpan.FromSeconds(5), KeyedMode);
            output.AppendLine(CultureInfo.InvariantCulture, $"run {run}: exit {exit}").Append(printed);
            otherHandled |= printed.Contains($"handled b {otherKey}", StringComparison.Ordinal);
            if (exit == 0)
            {
                survivor = printed;
                break;
            }

            Assert.DoesNotContain($"handled a {sameKey[0]}", printed, StringComparison.Ordinal); // never ahead of the message before it
            crashes++;
        }

        Assert.True(crashes == 2, $"{crashes} crashes:\n{output}");
        Assert.True(otherHandled, $"Key b's message was not handled:\n{output}");
        Assert.NotNull(survivor);
        int first = survivor.IndexOf($"handled a {sameKey[0]}", StringComparison.Ordinal);
        int second = survivor.IndexOf($"handled a {sameKey[1]}", StringComparison.Ordinal);
        Assert.True(first >= 0 && second > first, $"Key a's messages behind the fatal one were not handled in order:\n{output}");

        await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
        IDatabase database = connection.GetDatabase();
        StreamEntry letter = Assert.Single(await database.StreamRangeAsync(RedisServer.DeadLetters(KeyedEndpoint)));
        Assert.Equal("CrashLoop", (string?)letter["contracts-error-reason"]);
        Assert.EndsWith(fatal.ToString("N"), (string?)letter["contracts-idempotency-key"], StringComparison.Ordinal);
        for (int i = 0; i < KeyedPartitions; i++)
        {
            StreamPendingInfo pending = await database.StreamPendingAsync($"{RedisServer.Prefix}:{KeyedEndpoint}.p{i}", KeyedEndpoint);
            Assert.Equal(0, pending.PendingMessageCount);
        }
    }

    /// <summary>Runs a consumer of the crash endpoint for <paramref name="idle"/> (or until it crashes), and returns its exit code and output.</summary>
    private static async Task<(int Exit, string Output)> RunCrasherAsync(TimeSpan idle, string mode = Mode)
    {
        ProcessStartInfo start = Worker.StartInfo(mode);
        start.Environment["CONTRACTS_REDIS_TEST_IDLE_MS"] = Worker.Text((int)idle.TotalMilliseconds);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the crasher process.");
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(idle + TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>
    /// The crasher's own Main: consumes the crash endpoint one message at a time for a while, then stops. A claim idle
    /// time of 500 ms lets the next crasher take over what the last one left at once; a prefetch of one keeps only
    /// the message being handled out when the process dies.
    /// </summary>
    public static Task<int> RunAsync() => ConsumeForAWhileAsync(t => t.Endpoint<Crash>(e =>
    {
        e.Consume = true;
        e.MaxConcurrency = 1;
    }));

    /// <summary>
    /// The keyed crasher's own Main: as <see cref="RunAsync"/>, on the partitioned endpoint (two partitions, one lane,
    /// one entry out at a time), with a one-second lease so that a crashed holder's partitions move soon.
    /// </summary>
    public static Task<int> RunKeyedAsync() => ConsumeForAWhileAsync(t =>
    {
        t.Partitions = KeyedPartitions;
        t.PartitionLeaseTime = TimeSpan.FromSeconds(1);
        t.Endpoint<KeyedCrash>(e =>
        {
            e.Consume = true;
            e.MaxConcurrency = 1;
        });
    });

    /// <summary>Consumes what <paramref name="consume"/> names, one entry out at a time, for the idle time the test gave, then stops.</summary>
    private static async Task<int> ConsumeForAWhileAsync(Action<RedisTransportOptions> consume)
    {
        int idle = int.Parse(Environment.GetEnvironmentVariable("CONTRACTS_REDIS_TEST_IDLE_MS")!, CultureInfo.InvariantCulture);
        IHost host = await RedisHost.StartAsync(new Probe(), t =>
        {
            t.PrefetchPerConsumer = 1;
            t.ClaimIdleTime = TimeSpan.FromMilliseconds(500);
            consume(t);
        }, o => o.MaxUnfinishedDeliveries = 2);
        await Task.Delay(idle);
        await host.StopQuietlyAsync();
        return 0;
    }
}
