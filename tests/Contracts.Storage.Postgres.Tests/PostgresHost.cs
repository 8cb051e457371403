using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>A bus on the test server's database in one schema, started like a host starts it and stopped at the end of a test.</summary>
internal sealed class PostgresBus : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;
    private bool _stopped;

    private PostgresBus(ServiceProvider provider)
    {
        _provider = provider;
        _hosted = [.. provider.GetServices<IHostedService>()];
        Bus = provider.GetRequiredService<IMessageBus>();
    }

    public IMessageBus Bus { get; }

    public PostgresMessageStore Store => (PostgresMessageStore)_provider.GetRequiredService<IMessageStore>();

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public static async Task<PostgresBus> StartAsync(
        string schema,
        Action<IServiceCollection>? services = null,
        Action<InMemoryTransportOptions>? transport = null,
        Action<ContractsOptions>? options = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        collection.AddContracts(o =>
        {
            o.UseInMemoryTransport(transport).UsePostgres(PostgresServer.ConnectionString, s => s.Schema = schema);
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
            options?.Invoke(o);
        });
        var bus = new PostgresBus(collection.BuildServiceProvider());
        foreach (IHostedService hosted in bus._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return bus;
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var cts = new CancellationTokenSource(Timeout);
        for (int i = _hosted.Length - 1; i >= 0; i--)
        {
            await _hosted[i].StopAsync(cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().WaitAsync(Timeout);
        await _provider.DisposeAsync();
    }
}

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? PostgresBus.Timeout);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(20);
        }
    }
}
