using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Testing;

/// <summary>
/// A real bus for a test, in process, that records every message sent through it (by the test or by handlers) and
/// every delivery as it ended, and waits until all the work a test started is done: <see cref="WhenIdleAsync"/>.
/// </summary>
/// <remarks>
/// Pending work is counted exactly, not guessed from a quiet period: each envelope handed to the transport is one
/// pending delivery per endpoint that consumes it, settled when the consume pipeline completes, dead-letters or
/// abandons it; a retry stays pending until its last attempt. A message delayed with <see cref="SendOptions.Delay"/>
/// is counted once it is due and handed to the transport, so <see cref="WhenIdleAsync"/> does not wait for it.
/// In-process transports only (the in-memory transport, alone or on a store): on a broker, another process may take
/// the work.
/// </remarks>
public sealed partial class ContractsTestHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;
    private readonly HarnessRecorder _recorder;
    private bool _stopped;

    private ContractsTestHarness(ServiceProvider provider, HarnessRecorder recorder)
    {
        _provider = provider;
        _recorder = recorder;
        _hosted = [.. provider.GetServices<IHostedService>()];
        Bus = provider.GetRequiredService<IMessageBus>();
    }

    /// <summary>How long <see cref="WhenIdleAsync"/> waits unless told otherwise. Default 10 seconds.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The bus: send, publish and query as the application does.</summary>
    public IMessageBus Bus { get; }

    /// <summary>The services the bus and handlers resolve from.</summary>
    public IServiceProvider Services => _provider;

    /// <summary>Every envelope handed to the transport, by the test and by handlers, in order (an event nobody here subscribes to is not sent at all).</summary>
    public IReadOnlyList<RecordedMessage> Sent => _recorder.Sent;

    /// <summary>Every delivery that ended, in the order they ended.</summary>
    public IReadOnlyList<HarnessDelivery> Deliveries => _recorder.Deliveries;

    /// <summary>
    /// Builds and starts a bus with the application's handlers (every handler the generator found in this process's
    /// modules), on the in-memory transport unless <paramref name="configure"/> chooses another in-process one.
    /// </summary>
    /// <param name="services">Registers what the handlers take. Loggers are there already and drop everything, unless this adds logging of its own (<c>AddLogging</c>).</param>
    /// <param name="configure">Bus options and endpoint settings, as for <c>AddContracts</c>.</param>
    /// <returns>The started harness; dispose it to stop the bus.</returns>
    /// <exception cref="NotSupportedException">The chosen transport is not in process.</exception>
    public static async Task<ContractsTestHarness> StartAsync(Action<IServiceCollection>? services = null, Action<ContractsOptions>? configure = null)
    {
        var recorder = new HarnessRecorder();
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        // Handlers take loggers: without logging of the test's own (AddLogging in services), they get loggers that drop everything.
        collection.TryAddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        collection.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(NullLogger<>)));
        collection.AddContracts(o =>
        {
            configure?.Invoke(o);
            if (!o.HasTransport)
            {
                o.UseInMemoryTransport();
            }

            // Queries go through their endpoint's queue, so the harness sees and records each one like any delivery:
            // a query run inline on its caller's thread never reaches the transport the harness watches.
            o.TransportSettings.Defaults.InlineQueries = false;
            o.WrapTransport(inner => new HarnessTransport(inner, recorder));
        });
        ServiceProvider provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        ContractsRuntime runtime = provider.GetRequiredService<ContractsRuntime>();
        if (!runtime.InProcess)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw new NotSupportedException("ContractsTestHarness tracks in-process transports only (UseInMemoryTransport, with or without a store): on a broker another process may take the work.");
        }

        recorder.Routes = runtime.Routes;
        var harness = new ContractsTestHarness(provider, recorder);
        foreach (IHostedService hosted in harness._hosted)
        {
            await hosted.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return harness;
    }

    /// <summary>Completes when every delivery sent so far, and everything handlers sent meanwhile, has ended.</summary>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when <see langword="null"/>.</param>
    /// <returns>Completes when the bus is idle.</returns>
    /// <exception cref="TimeoutException">Work is still pending after <paramref name="timeout"/>; the message lists it.</exception>
    public Task WhenIdleAsync(TimeSpan? timeout = null) => _recorder.WhenIdleAsync(timeout ?? DefaultTimeout);

    /// <summary>
    /// Completes with the first message of type <typeparamref name="T"/> (that <paramref name="match"/> accepts) whose
    /// delivery completed, already or later: for a test that waits for one outcome rather than for all the work.
    /// </summary>
    /// <typeparam name="T">The contract.</typeparam>
    /// <param name="match">Which message; any when <see langword="null"/>.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when <see langword="null"/>.</param>
    /// <returns>The message.</returns>
    /// <exception cref="TimeoutException">None was handled within <paramref name="timeout"/>.</exception>
    public async Task<T> WaitForHandledAsync<T>(Func<T, bool>? match = null, TimeSpan? timeout = null)
        where T : class, IContract<T>
    {
        TimeSpan wait = timeout ?? DefaultTimeout;
        Task<HarnessDelivery> found = _recorder.WaitForAsync(d => d.Outcome == HarnessOutcome.Completed && d.Message is T message && (match is null || match(message)));
        try
        {
            return (T)(await found.WaitAsync(wait).ConfigureAwait(false)).Message!;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"No {typeof(T).Name}{(match is null ? "" : " that matches")} was handled within {wait}; {Handled<T>().Count} {typeof(T).Name} handled, {DeadLettered<T>().Count} dead-lettered.");
        }
    }

    /// <summary>The messages of type <typeparamref name="T"/> whose deliveries completed (handled), in order; an event once per subscription.</summary>
    /// <typeparam name="T">The contract.</typeparam>
    /// <returns>The messages.</returns>
    public IReadOnlyList<T> Handled<T>()
        where T : class, IContract<T>
        => Of<T>(HarnessOutcome.Completed);

    /// <summary>The messages of type <typeparamref name="T"/> that ended in the dead letters, in order.</summary>
    /// <typeparam name="T">The contract.</typeparam>
    /// <returns>The messages.</returns>
    public IReadOnlyList<T> DeadLettered<T>()
        where T : class, IContract<T>
        => Of<T>(HarnessOutcome.DeadLettered);

    /// <summary>The messages of type <typeparamref name="T"/> sent through the transport (commands, events, queries), in order.</summary>
    /// <typeparam name="T">The contract.</typeparam>
    /// <returns>The messages.</returns>
    public IReadOnlyList<T> SentOf<T>()
        where T : class, IContract<T>
    {
        var found = new List<T>();
        foreach (RecordedMessage sent in _recorder.Sent)
        {
            if (sent.Message is T message)
            {
                found.Add(message);
            }
        }

        return found;
    }

    /// <summary>Stops the bus (draining what is queued), once.</summary>
    /// <returns>Completes when stopped.</returns>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        for (int i = _hosted.Length - 1; i >= 0; i--)
        {
            await _hosted[i].StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the bus and disposes its services.</summary>
    /// <returns>Completes when disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _provider.DisposeAsync().ConfigureAwait(false);
    }

    private List<T> Of<T>(HarnessOutcome outcome)
    {
        var found = new List<T>();
        foreach (HarnessDelivery delivery in _recorder.Deliveries)
        {
            if (delivery.Outcome == outcome && delivery.Message is T message)
            {
                found.Add(message);
            }
        }

        return found;
    }
}
