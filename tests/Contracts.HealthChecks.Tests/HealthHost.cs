using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Contracts.HealthChecks.Tests;

/// <summary>A host with a bus and the Contracts health checks, as an application has them; a failed start is kept, not thrown.</summary>
public sealed class HealthHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly IHost _host;
    private bool _stopped;

    private HealthHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public IMessageBus Bus => Services.GetRequiredService<IMessageBus>();

    public BusProbe Probe => Services.GetRequiredService<BusProbe>();

    public Gate Gate => Services.GetRequiredService<Gate>();

    /// <summary>Why the host did not start, or <see langword="null"/>.</summary>
    public Exception? StartFailure { get; private set; }

    public static HealthHost Build(Action<ContractsOptions> bus, Action<ContractsHealthCheckOptions>? health = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<Gate>();
        builder.Services.AddContracts(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(2);
            bus(o);
        });
        builder.Services.AddHealthChecks().AddContracts(health);
        return new HealthHost(builder.Build());
    }

    public static async Task<HealthHost> StartAsync(Action<ContractsOptions> bus, Action<ContractsHealthCheckOptions>? health = null)
    {
        HealthHost host = Build(bus, health);
        await host.TryStartAsync();
        Assert.Null(host.StartFailure);
        return host;
    }

    /// <summary>Starts the host; a failure (a server that does not answer) is kept in <see cref="StartFailure"/>.</summary>
    public async Task TryStartAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await _host.StartAsync(cts.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StartFailure = ex;
        }
    }

    /// <summary>Runs one check (<c>contracts-</c><paramref name="check"/> unless the test renamed them) and returns its entry.</summary>
    public async Task<HealthReportEntry> CheckAsync(string check, string prefix = "contracts")
    {
        string name = $"{prefix}-{check}";
        HealthReport report = await Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name, TestContext.Current.CancellationToken);
        Assert.True(report.Entries.TryGetValue(name, out HealthReportEntry entry), $"no check named '{name}' ran; ran: {string.Join(", ", report.Entries.Keys)}");
        return entry;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, or fails the test naming <paramref name="what"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Timeout, $"timed out after {Timeout.TotalSeconds} s waiting for {what}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Stops the host (the gate opens first, so nothing waits at it); the services stay usable.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Services.GetRequiredService<Gate>().Open();
        using var cts = new CancellationTokenSource(Timeout);
        await _host.StopAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
