using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.Redis.Tests;

/// <summary>
/// The other processes of the fault tests: this test assembly run again with <see cref="ModeVariable"/> set. A worker
/// consumes its endpoints until its standard input closes (or it is killed); it prints <c>ready</c> once it consumes.
/// </summary>
public sealed class Worker : IAsyncDisposable
{
    public const string ModeVariable = "CONTRACTS_REDIS_TEST_MODE";

    private readonly Process _process;

    private Worker(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>What the worker printed so far, one line each.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>The endpoints of the service mode.</summary>
    public static readonly string[] ServiceEndpoints = ["RedisTests.Reserve", "RedisTests.GetStock", "RedisTests.FailingQuery"];

    public static ProcessStartInfo StartInfo(string mode)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Contracts.Transport.Redis.Tests.dll"));
        start.Environment[ModeVariable] = mode;
        return start;
    }

    /// <summary>Starts a worker in <paramref name="mode"/> and waits until it consumes.</summary>
    public static async Task<Worker> StartAsync(string mode)
    {
        Process process = Process.Start(StartInfo(mode)) ?? throw new InvalidOperationException("Could not start the worker process.");
        var worker = new Worker(process);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            if (line == "ready")
            {
                _ = worker.PumpAsync();
                return worker;
            }
        }

        string errors = await process.StandardError.ReadToEndAsync(CancellationToken.None);
        await worker.DisposeAsync();
        throw new InvalidOperationException($"The worker process ended before it was ready: {errors}");
    }

    /// <summary>SIGKILL: the process dies at once, settling nothing.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close(); // asks the worker to stop and drain
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private async Task PumpAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            Lines.Enqueue(line);
        }
    }

    /// <summary>A worker's own Main.</summary>
    public static async Task<int> RunAsync(string mode)
    {
        if (mode == CrashLoopTests.Mode)
        {
            return await CrashLoopTests.RunAsync();
        }

        if (mode == CrashLoopTests.KeyedMode)
        {
            return await CrashLoopTests.RunKeyedAsync();
        }

        if (mode == PartitionOrderingTests.Mode)
        {
            return await PartitionOrderingTests.RunConsumerAsync();
        }

        IHost host = await RedisHost.StartAsync(new Probe(), t =>
        {
            t.ClaimIdleTime = TimeSpan.FromSeconds(2);
            switch (mode)
            {
                case "service":
                    t.Endpoint<Reserve>(e => e.Consume = true);
                    t.Endpoint<GetStock>(e => e.Consume = true);
                    t.Endpoint<FailingQuery>(e => e.Consume = true);
                    break;
                case "work":
                    t.Endpoint<Work>(e =>
                    {
                        e.Consume = true;
                        e.MaxConcurrency = 4;
                    });
                    break;
                default:
                    throw new InvalidOperationException($"Unknown worker mode '{mode}'.");
            }
        });
        Console.Out.WriteLine("ready");
        await Console.Out.FlushAsync();
        await Console.In.ReadToEndAsync(); // until the test closes standard input
        await host.StopQuietlyAsync();
        return 0;
    }

    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
