using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Testing.Compliance;

/// <summary>One bus of a test in its own service provider, started and stopped the way a host does it.</summary>
internal sealed class ComplianceBus : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;
    private readonly TimeSpan _timeout;
    private bool _stopped;

    private ComplianceBus(ServiceProvider provider, ComplianceProbe probe, TimeSpan timeout)
    {
        _provider = provider;
        _timeout = timeout;
        Probe = probe;
        _hosted = [.. provider.GetServices<IHostedService>()];
        Bus = provider.GetRequiredService<IMessageBus>();
    }

    public IMessageBus Bus { get; }

    public IServiceProvider Services => _provider;

    public ComplianceProbe Probe { get; }

    public IDeadLetters DeadLetters => _provider.GetRequiredService<IDeadLetters>();

    public static async Task<ComplianceBus> StartAsync(
        TransportFixture fixture, ComplianceLog log, string label, Action<TransportOptions>? endpoints = null, Action<ContractsOptions>? options = null)
    {
        var probe = new ComplianceProbe(log, label);
        var services = new ServiceCollection();
        services.AddSingleton(probe);
        services.AddSingleton<ILoggerFactory>(new ComplianceLoggerFactory(probe));
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        fixture.ConfigureServices(services);
        services.AddContracts(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(10);
            o.QueryTimeout = fixture.Timeout;
            fixture.UseTransport(o, t => endpoints?.Invoke(t));
            options?.Invoke(o);
        });
        ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        ComplianceBus bus;
        try
        {
            bus = new ComplianceBus(provider, probe, fixture.Timeout); // resolving the bus checks the routes: a start can fail here
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            using var cts = new CancellationTokenSource(fixture.Timeout);
            foreach (IHostedService hosted in bus._hosted)
            {
                await hosted.StartAsync(cts.Token).WaitAsync(fixture.Timeout).ConfigureAwait(false);
            }
        }
        catch
        {
            await bus._provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return bus;
    }

    /// <summary>Stops the bus (draining, as a host does) within the fixture's timeout; returns when it finished, in <see cref="Stopwatch"/> ticks.</summary>
    public async Task<long> StopAsync()
    {
        _stopped = true;
        using var cts = new CancellationTokenSource(_timeout);
        for (int i = _hosted.Length - 1; i >= 0; i--)
        {
            await _hosted[i].StopAsync(cts.Token).WaitAsync(_timeout).ConfigureAwait(false);
        }

        return Stopwatch.GetTimestamp();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_stopped)
            {
                await StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _provider.DisposeAsync().ConfigureAwait(false);
        }
    }
}
