using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Contracts.Projections;

/// <summary>
/// The daemon of one asynchronous projection: from its saved checkpoint, reads the log a batch at a time, projects each
/// batch in a transaction that also saves the checkpoint, and once caught up waits for the next append (this process's
/// at once, others' through the store's wake-up or at <see cref="ContractsOptions.EventPollInterval"/>). A failed batch
/// is rolled back, logged, kept as the status's error and tried again from the checkpoint after a growing delay: an
/// event the projection cannot read stops it there, with the reason, and loses nothing.
/// </summary>
internal sealed partial class AsyncProjectionRunner(
    ProjectionOptions projection,
    ContractsRuntime runtime,
    EventStore store,
    IServiceScopeFactory scopes,
    ILogger logger)
{
    private static readonly TimeSpan s_maxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>Held while a batch runs: a rebuild takes it to reset between batches.</summary>
    private readonly SemaphoreSlim _turn = new(1, 1);
    private long _checkpoint = -1;
    private string? _error;

    public ProjectionOptions Projection => projection;

    /// <summary>The position projected up to (-1 until the daemon has read its checkpoint).</summary>
    public long Checkpoint => Volatile.Read(ref _checkpoint);

    public string? Error => Volatile.Read(ref _error);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Through the event store, so that this process hears of other processes' appends (PostgreSQL's NOTIFY) even if
        // it never appends or subscribes itself.
        IEventLogStore log = await store.OpenLogAsync().ConfigureAwait(false);
        TimeSpan retry = projection.RetryDelay;
        bool started = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!started)
                {
                    Volatile.Write(ref _checkpoint, await log.ReadCheckpointAsync(projection.Descriptor.Name, cancellationToken).ConfigureAwait(false));
                    ProjectionLog.Started(logger, projection.Descriptor.Name, Checkpoint, projection.Parallelism);
                    started = true;
                }

                Task appended = store.Appended;
                bool full = await RunOnceAsync(log, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _error, null);
                retry = projection.RetryDelay;
                if (!full)
                {
                    try
                    {
                        await appended.WaitAsync(runtime.Options.EventPollInterval, runtime.Time, cancellationToken).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        // Look again: another process may have appended.
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _error, $"{ex.GetType().Name}: {ex.Message}");
                ProjectionLog.Failed(logger, ex, projection.Descriptor.Name, Checkpoint, retry);
                started = false; // read the checkpoint again: the failed batch was rolled back
                try
                {
                    await Task.Delay(retry, runtime.Time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                retry = TimeSpan.FromTicks(Math.Min(s_maxRetryDelay.Ticks, Math.Max(retry.Ticks * 2, TimeSpan.TicksPerMillisecond)));
            }
        }
    }

    /// <summary>Projects what the log holds after the checkpoint, up to one page; returns whether the page was full.</summary>
    private async ValueTask<bool> RunOnceAsync(IEventLogStore log, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long from = Checkpoint + 1;
            int size = projection.BatchSize * projection.Parallelism;
            IReadOnlyList<EventRecord> page = await log.ReadAllAsync(from, size, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return false;
            }

            long last = page[^1].Position;
            if (projection.Parallelism == 1)
            {
                await ProjectionBatch.RunAsync(projection, log, store, scopes, page, last, rebuilding: false, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RunParallelAsync(log, page, cancellationToken).ConfigureAwait(false);
            }

            Volatile.Write(ref _checkpoint, last);
            return page.Count == size;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Empties the read model and starts again from position 1, between two batches.</summary>
    public async ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        await runtime.StoreReadyAsync().ConfigureAwait(false);
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ProjectionBatch.ResetAsync(projection, runtime.Store.Events, scopes, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _checkpoint, 0);
        }
        finally
        {
            _turn.Release();
        }

        store.SignalAppended(); // wake the daemon if it waits for an append
    }
}
