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
    private const string Endpoint = "RedisTests.Crash";

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

    /// <summary>Runs a consumer of the crash endpoint for <paramref name="idle"/> (or until it crashes), and returns its exit code and output.</summary>
    private static async Task<(int Exit, string Output)> RunCrasherAsync(TimeSpan idle)
    {
        ProcessStartInfo start = Worker.StartInfo(Mode);
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
    public static async Task<int> RunAsync()
    {
        int idle = int.Parse(Environment.GetEnvironmentVariable("CONTRACTS_REDIS_TEST_IDLE_MS")!, CultureInfo.InvariantCulture);
        IHost host = await RedisHost.StartAsync(new Probe(), t =>
        {
            t.PrefetchPerConsumer = 1;
            t.ClaimIdleTime = TimeSpan.FromMilliseconds(500);
            t.Endpoint<Crash>(e =>
            {
                e.Consume = true;
                e.MaxConcurrency = 1;
            });
        }, o => o.MaxUnfinishedDeliveries = 2);
        await Task.Delay(idle);
        await host.StopQuietlyAsync();
        return 0;
    }
}
