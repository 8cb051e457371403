using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>
/// The other process of the cross-process tests: a service that handles <see cref="Reserve"/> (publishing
/// <see cref="Reserved"/>), <see cref="GetStock"/> and <see cref="FailingQuery"/> on the broker until its standard input closes.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    public const string ModeVariable = "CONTRACTS_RMQ_TEST_SERVICE";

    private readonly Process _process;

    private ServiceProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static readonly string[] Queues = ["RmqTests.Reserve", "RmqTests.GetStock", "RmqTests.FailingQuery"];

    /// <summary>This test assembly run again as the other process named by <paramref name="mode"/>, its output redirected.</summary>
    public static ProcessStartInfo StartInfo(string mode)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Contracts.Transport.RabbitMq.Tests.dll"));
        start.Environment[ModeVariable] = mode;
        return start;
    }

    /// <summary>Starts the service and waits until it consumes.</summary>
    public static async Task<ServiceProcess> StartAsync()
    {
        ProcessStartInfo start = StartInfo("service");
        start.RedirectStandardInput = true;
        Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service process.");
        var service = new ServiceProcess(process);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            if (line == "ready")
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None); // keep the pipe drained
                return service;
            }
        }

        string errors = await process.StandardError.ReadToEndAsync(CancellationToken.None);
        await service.DisposeAsync();
        throw new InvalidOperationException($"The service process ended before it was ready: {errors}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close(); // asks the service to stop and drain
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

    /// <summary>The service's own Main.</summary>
    public static async Task<int> RunAsync()
    {
        IHost host = await RabbitHost.StartAsync(new Probe(), t =>
        {
            t.Endpoint<Reserve>(e => e.Consume = true);
            t.Endpoint<GetStock>(e => e.Consume = true);
            t.Endpoint<FailingQuery>(e => e.Consume = true);
        });
        Console.Out.WriteLine("ready");
        await Console.Out.FlushAsync();
        await Console.In.ReadToEndAsync(); // until the test closes standard input
        await host.StopQuietlyAsync();
        return 0;
    }
}
