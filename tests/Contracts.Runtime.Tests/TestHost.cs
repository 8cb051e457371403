using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Runtime.Tests;

/// <summary>A bus in its own service provider, started like a host starts it, stopped and disposed at the end of a test.</summary>
internal sealed class TestBus : IAsyncDisposable
{
    /// <summary>Generous: only a broken runtime ever waits this long.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;
    private bool _stopped;

    private TestBus(ServiceProvider provider)
    {
        _provider = provider;
        _hosted = [.. provider.GetServices<IHostedService>()];
        Bus = provider.GetRequiredService<IMessageBus>();
    }

    public IMessageBus Bus { get; }

    public IServiceProvider Services => _provider;

    public static async Task<TestBus> StartAsync(Action<IServiceCollection>? services = null, Action<ContractsOptions>? configure = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        collection.AddContracts(configure);
        var bus = new TestBus(collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }));
        foreach (IHostedService hosted in bus._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return bus;
    }

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        _stopped = true;
        for (int i = _hosted.Length - 1; i >= 0; i--)
        {
            await _hosted[i].StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            using var cts = new CancellationTokenSource(Timeout);
            await StopAsync(cts.Token).WaitAsync(Timeout);
        }

        await _provider.DisposeAsync();
    }
}

/// <summary>Waiting helpers: every wait is bounded, so a broken runtime fails a test instead of hanging it.</summary>
internal static class Wait
{
    public static Task For(Task task) => task.WaitAsync(TestBus.Timeout);

    public static Task<T> For<T>(Task<T> task) => task.WaitAsync(TestBus.Timeout);

    public static Task For(ValueTask task) => task.AsTask().WaitAsync(TestBus.Timeout);

    public static async Task For(SemaphoreSlim semaphore, int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.True(await semaphore.WaitAsync(TestBus.Timeout), $"Timed out waiting for signal {i + 1} of {count}.");
        }
    }

    /// <summary>True when <paramref name="task"/> is still running after a short grace period: used only to show that something does NOT happen.</summary>
    public static async Task<bool> StillPending(Task task, int milliseconds = 150)
    {
        Task first = await Task.WhenAny(task, Task.Delay(milliseconds));
        return first != task;
    }
}

/// <summary>A switch a handler waits on until the test opens it.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WaitAsync(CancellationToken cancellationToken) => _open.Task.WaitAsync(cancellationToken);

    public void Open() => _open.TrySetResult();
}

/// <summary>Sums the <c>Contracts</c> meter's counters per instrument and contract name.</summary>
internal sealed class CounterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Contract), long> _sums = new();

    public CounterRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ContractsTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long Get(string instrument, ContractDescriptor contract) =>
        _sums.TryGetValue((instrument, contract.Name), out long sum) ? sum : 0;

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (tag.Key is "contracts.contract" or "messaging.destination.name" && tag.Value is string contract)
            {
                _sums.AddOrUpdate((instrument.Name, contract), value, (_, sum) => sum + value);
            }
        }
    }
}

/// <summary>Reaches a contract's generated static metadata, which is an explicit interface implementation.</summary>
internal static class Descriptor
{
    public static ContractDescriptor<T> Of<T>()
        where T : class, IContract<T> => T.Contract;
}

/// <summary>
/// A per-test probe for handlers of <c>int</c>-numbered messages: message 0 signals <see cref="FirstEntered"/> and
/// blocks on <see cref="Gate"/>, so a test can hold an endpoint's only worker; every handled number is recorded in order.
/// </summary>
public sealed class Lane
{
    public readonly Gate Gate = new();
    public readonly TaskCompletionSource FirstEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly ConcurrentQueue<int> Handled = new();
    public readonly SemaphoreSlim Done = new(0);

    public async ValueTask HandleAsync(int n, CancellationToken cancellationToken)
    {
        if (n == 0)
        {
            FirstEntered.TrySetResult();
            await Gate.WaitAsync(cancellationToken);
        }

        Handled.Enqueue(n);
        Done.Release();
    }
}
