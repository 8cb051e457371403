using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Tool.Tests;

/// <summary>A real bus, started as a host starts it, with the test's <see cref="Ledger"/>.</summary>
public static class TestHost
{
    public static async Task<IHost> StartAsync(Ledger ledger, string name, Action<ContractsOptions> configure)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(ledger);
        builder.Services.AddSingleton(new BusName(name));
        builder.Services.AddContracts(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(10);
            configure(o);
        });
        IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    /// <summary>No retries: a failure dead-letters at once.</summary>
    public static void FailFast(EndpointOptions endpoint)
    {
        endpoint.Retry.ImmediateRetries = 0;
        endpoint.Retry.DelayedRetries = 0;
    }

    public static IMessageBus Bus(this IHost host) => host.Services.GetRequiredService<IMessageBus>();

    public static async Task StopAndDisposeAsync(this IHost host)
    {
        await host.StopAsync();
        host.Dispose();
    }
}

public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {timeout} waiting until {what}.");
            await Task.Delay(50);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan timeout) => UntilAsync(() => Task.FromResult(condition()), what, timeout);
}
