using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.Nats.Tests;

/// <summary>
/// The other process of the cross-process tests: a consumer of <see cref="Job"/> that prints <c>start N</c> and
/// <c>done N</c> for every job it handles, until it is killed or its standard input closes.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    public const string ModeVariable = "CONTRACTS_NATS_TEST_MODE";
    public const string ConsumerMode = "consumer";

    /// <summary>How long the server waits for an acknowledgement before it delivers a message again (both processes use it).</summary>
    public static readonly TimeSpan AckWait = TimeSpan.FromSeconds(3);

    private readonly Process _process;

    private ServiceProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>The jobs the process started, and those it finished, as it printed them.</summary>
    public ConcurrentDictionary<int, bool> Started { get; } = new();

    public ConcurrentDictionary<int, bool> Done { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>Starts the consumer and waits until it consumes.</summary>
    public static async Task<ServiceProcess> StartAsync()
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Contracts.Transport.Nats.Tests.dll"));
        start.Environment[ModeVariable] = ConsumerMode;
        Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service process.");
        var service = new ServiceProcess(process);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            switch (e.Data?.Split(' '))
            {
                case ["ready"]:
                    ready.TrySetResult();
                    break;
                case ["start", string n]:
                    service.Started[int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)] = true;
                    break;
                case ["done", string n]:
                    service.Done[int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)] = true;
                    break;
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                service.Errors.Enqueue(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Task exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != ready.Task)
        {
            await service.DisposeAsync();
            throw new InvalidOperationException($"The service process was not ready: {string.Join("\n", service.Errors)}");
        }

        return service;
    }

    /// <summary>SIGKILL: the process dies with whatever it had taken from the server, unacknowledged.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The service's own Main.</summary>
    public static async Task<int> RunAsync()
    {
        var probe = new Probe();
        var output = new BlockingCollection<string>();
        probe.OnJob = output.Add;
        var printer = Task.Run(() =>
        {
            foreach (string line in output.GetConsumingEnumerable())
            {
                Console.Out.WriteLine(line);
                Console.Out.Flush();
            }
        });
        IHost host = await NatsHost.StartAsync(probe, t =>
        {
            t.AckWait = AckWait;
            t.Endpoint<Job>(e =>
            {
                e.Consume = true;
                e.MaxConcurrency = 4;
            });
        });
        output.Add("ready");
        await Console.In.ReadToEndAsync(); // until the test closes standard input, or kills the process
        await host.StopQuietlyAsync();
        output.CompleteAdding();
        await printer;
        return 0;
    }
}
