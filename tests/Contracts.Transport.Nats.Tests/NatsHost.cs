using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport.Nats.Tests;

/// <summary>A host on the real server that consumes only the endpoints a test names (every handler of the assembly is compiled in).</summary>
public static class NatsHost
{
    /// <summary>The subject and stream prefix of this assembly's own tests (the compliance suite has its own).</summary>
    public const string Prefix = "natstests";

    public static async Task<IHost> StartAsync(
        Probe probe, Action<NatsTransportOptions> consume, Action<ContractsOptions>? configure = null, Action<IServiceCollection>? services = null,
        FileLoggerProvider? log = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(probe);
        services?.Invoke(builder.Services);
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddProvider(new ProbeLoggerProvider(probe));
        if (log is not null)
        {
            // Everything the Contracts categories say, for the test to print when it fails.
            builder.Logging.AddProvider(log).AddFilter<FileLoggerProvider>("Contracts", LogLevel.Debug);
        }

        builder.Services.AddContracts(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(10);
            o.UseNats(NatsServer.Url, t =>
            {
                t.Prefix = Prefix;
                t.Defaults.Consume = false;
                consume(t);
            });
            configure?.Invoke(o);
        });
        IHost host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static IMessageBus Bus(this IHost host) => host.Services.GetRequiredService<IMessageBus>();

    public static async Task StopQuietlyAsync(this IHost host)
    {
        await host.StopAsync();
        host.Dispose();
    }
}

/// <summary>Keeps what the host logs in the probe, for assertions and for failure messages.</summary>
internal sealed class ProbeLoggerProvider(Probe probe) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ProbeLogger(probe);

    public void Dispose()
    {
    }

    private sealed class ProbeLogger(Probe probe) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            probe.Logs.Enqueue($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
    }
}
