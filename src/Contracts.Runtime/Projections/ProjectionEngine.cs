using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts.Projections;

/// <summary>
/// <see cref="IProjections"/>, and the host of the asynchronous projections' daemons: started after the bus (each
/// daemon waits for the store), stopped with the host.
/// </summary>
internal sealed class ProjectionEngine : IProjections, IHostedService, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan s_waitPoll = TimeSpan.FromMilliseconds(20);

    private readonly ContractsRuntime _runtime;
    private readonly EventStore _store;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;
    private readonly Dictionary<string, ProjectionOptions> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AsyncProjectionRunner> _runners = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    /// <summary>This engine's name on the leases it takes: the machine and process (to find the holder), and a start of its own.</summary>
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private int _disposed;

    public ProjectionEngine(ContractsRuntime runtime, EventStore store, IServiceScopeFactory scopes, ILogger logger)
    {
        _runtime = runtime;
        _store = store;
        _scopes = scopes;
        _logger = logger;
        foreach (ProjectionOptions projection in runtime.Options.Projections.All)
        {
            _byName.Add(projection.Descriptor.Name, projection);
            _names.Add(projection.Descriptor.Name);
            if (projection.Mode == ProjectionMode.Async && projection.RunDaemon)
            {
                _runners.Add(projection.Descriptor.Name, new AsyncProjectionRunner(projection, runtime, store, scopes, _owner, logger));
            }
        }
    }

    public IReadOnlyList<string> Names => _names;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (AsyncProjectionRunner runner in _runners.Values)
        {
            _running.Add(Task.Run(() => runner.RunAsync(_stop.Token), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the daemons (DI disposes the engine once per registration that returns it: this is idempotent).</summary>
    /// <summary>A container disposed synchronously: the daemons are told to stop, not waited for (they end at their next wait).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).ConfigureAwait(false);
    }

    public async ValueTask<ProjectionStatus> GetStatusAsync(string name, CancellationToken cancellationToken = default)
    {
        ProjectionOptions projection = Find(name);
        await _runtime.StoreReadyAsync().ConfigureAwait(false);
        IEventLogStore log = _runtime.Store.Events;
        long head = await log.ReadHeadPositionAsync(cancellationToken).ConfigureAwait(false);
        if (projection.Mode == ProjectionMode.Inline)
        {
            return new ProjectionStatus(name, projection.Mode, head, head, null);
        }

        long checkpoint = await log.ReadCheckpointAsync(name, cancellationToken).ConfigureAwait(false);
        return new ProjectionStatus(name, projection.Mode, checkpoint, head, _runners.TryGetValue(name, out AsyncProjectionRunner? runner) ? runner.Error : null);
    }

    public async ValueTask WaitForAsync(string name, long position, CancellationToken cancellationToken = default)
    {
        ProjectionOptions projection = Find(name);
        if (projection.Mode == ProjectionMode.Inline)
        {
            return;
        }

        await _runtime.StoreReadyAsync().ConfigureAwait(false);
        IEventLogStore log = _runtime.Store.Events;
        _runners.TryGetValue(name, out AsyncProjectionRunner? runner);
        while (true)
        {
            long checkpoint = runner?.Checkpoint ?? -1;
            if (checkpoint < position)
            {
                checkpoint = await log.ReadCheckpointAsync(name, cancellationToken).ConfigureAwait(false);
            }

            if (checkpoint >= position)
            {
                return;
            }

            await Task.Delay(s_waitPoll, _runtime.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<long> RebuildAsync(string name, CancellationToken cancellationToken = default)
    {
        ProjectionOptions projection = Find(name);
        await _runtime.StoreReadyAsync().ConfigureAwait(false);
        IEventLogStore log = _runtime.Store.Events;
        long head = await log.ReadHeadPositionAsync(cancellationToken).ConfigureAwait(false);
        ProjectionLog.Rebuilding(_logger, name, head);
        if (_runners.TryGetValue(name, out AsyncProjectionRunner? runner))
        {
            // The daemon replays: reset between two of its batches, then wait until it is back at the head.
            await runner.ResetAsync(cancellationToken).ConfigureAwait(false);
            await WaitForAsync(name, head, cancellationToken).ConfigureAwait(false);
            ProjectionLog.Rebuilt(_logger, name, head);
            return head;
        }

        if (projection.Mode == ProjectionMode.Inline)
        {
            await ProjectionBatch.ResetAsync(projection, log, _scopes, lease: null, cancellationToken).ConfigureAwait(false);
            ProjectionLog.Rebuilt(_logger, name, await ReplayAsync(projection, log, lease: null, head, cancellationToken).ConfigureAwait(false));
            return head;
        }

        // An asynchronous projection whose daemon runs in another process: take its lease over for the rebuild (that
        // daemon's next batch is refused), replay here, and let it go; the daemon takes it back and goes on from the head.
        var lease = new ProjectionLease(name, _owner, _runtime.Options.ClaimDuration, _runtime.Time, _logger);
        await lease.TryAcquireAsync(log, takeOver: true, cancellationToken).ConfigureAwait(false);
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task renewing = lease.RenewAsync(log, renewal.Token);
        try
        {
            await ProjectionBatch.ResetAsync(projection, log, _scopes, lease, cancellationToken).ConfigureAwait(false);
            ProjectionLog.Rebuilt(_logger, name, await ReplayAsync(projection, log, lease, head, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            await renewal.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            await lease.ReleaseAsync(log).ConfigureAwait(false);
        }

        return head;
    }

    /// <summary>Replays the log up to <paramref name="head"/> here, a batch per transaction with the checkpoint (and the lease's check).</summary>
    private async ValueTask<long> ReplayAsync(ProjectionOptions projection, IEventLogStore log, ProjectionLease? lease, long head, CancellationToken cancellationToken)
    {
        long next = 1, projected = 0;
        while (next <= head)
        {
            int want = (int)Math.Min(projection.BatchSize, head - next + 1);
            IReadOnlyList<EventRecord> page = await log.ReadAllAsync(next, want, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            projected += await ProjectionBatch.RunAsync(projection, log, _store, _scopes, page, page[^1].Position, rebuilding: true, lease, cancellationToken).ConfigureAwait(false);
            next = page[^1].Position + 1;
        }

        return projected;
    }

    private ProjectionOptions Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out ProjectionOptions? projection)
            ? projection
            : throw new ArgumentException($"No projection is named '{name}'. Registered: {(_names.Count == 0 ? "none" : string.Join(", ", _names))}.", nameof(name));
    }
}
