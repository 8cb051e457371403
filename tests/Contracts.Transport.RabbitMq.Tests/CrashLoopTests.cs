using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>
/// A message whose handler takes the process down, on a classic queue (no delivery count of its own): the transport
/// counts its unfinished deliveries in the message, and after <see cref="ContractsOptions.MaxUnfinishedDeliveries"/>
/// it is dead-lettered instead of crashing every consumer that starts, and the message behind it is handled.
/// </summary>
public sealed class CrashLoopTests
{
    public const string Mode = "crasher";
    private const string Queue = "RmqTests.Crash";

    [Fact]
    public async Task A_message_that_crashes_the_process_is_dead_lettered_after_the_unfinished_deliveries_allowed()
    {
        await Broker.ResetAsync(Queue);
        var probe = new Probe();
        IHost sender = await RabbitHost.StartAsync(probe, t => t.Endpoint<Crash>(e => e.Consume = false));
        var fatal = Guid.NewGuid();
        var good = Guid.NewGuid();
        try
        {
            // A consumer declares the queue first (a command to no queue would fail), and stops before anything is sent.
            (int firstExit, string firstOutput) = await RunCrasherAsync(TimeSpan.FromSeconds(3));
            Assert.True(firstExit == 0, firstOutput);
            await sender.Bus().SendAsync(new Crash(fatal, Fatal: true), cancellationToken: TestContext.Current.CancellationToken);
            await sender.Bus().SendAsync(new Crash(good, Fatal: false), cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            await sender.StopQuietlyAsync();
        }

        // MaxUnfinishedDeliveries = 2: two consumers crash on it; the third finds two unfinished deliveries counted
        // and dead-letters it, and lives.
        int crashes = 0;
        var output = new StringBuilder();
        bool goodHandled = false;
        for (int run = 0; run < 5; run++)
        {
            (int exit, string printed) = await RunCrasherAsync(TimeSpan.FromSeconds(8));
            output.AppendLine($"run {run}: exit {exit}").Append(printed);
            goodHandled |= printed.Contains($"handled {good}", StringComparison.Ordinal);
            if (exit == 0)
            {
                break;
            }

            crashes++;
        }

        Assert.True(crashes == 2, $"{crashes} crashes:\n{output}");
        Assert.True(goodHandled, $"The good message behind the fatal one was not handled:\n{output}");
        BasicGetResult letter = await Broker.GetAsync(Queue + ".error", TimeSpan.FromSeconds(10));
        Assert.Equal("CrashLoop", Encoding.UTF8.GetString((byte[])letter.BasicProperties.Headers!["contracts-error-reason"]!));
        Assert.Equal(0u, await Broker.ReadyCountAsync(Queue));
    }

    /// <summary>Runs a consumer of the crash queue for <paramref name="idle"/> (or until it crashes), and returns its exit code and output.</summary>
    private static async Task<(int Exit, string Output)> RunCrasherAsync(TimeSpan idle)
    {
        ProcessStartInfo start = ServiceProcess.StartInfo(Mode);
        start.Environment["CONTRACTS_RMQ_TEST_IDLE_MS"] = ((int)idle.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the crasher process.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(idle + TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>The crasher's own Main: consumes the crash queue one message at a time for a while, then stops.</summary>
    public static async Task<int> RunAsync()
    {
        int idle = int.Parse(Environment.GetEnvironmentVariable("CONTRACTS_RMQ_TEST_IDLE_MS")!, System.Globalization.CultureInfo.InvariantCulture);
        // A prefetch of one: only the message being handled is out when the process dies. (With a larger prefetch the
        // messages handed over behind it come back redelivered too, and each such crash counts against them as well.)
        IHost host = await RabbitHost.StartAsync(new Probe(), t =>
        {
            t.PrefetchPerConsumer = 1;
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
