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
/// The daemon of one asynchronous projection: while this process holds the projection's lease in the store
/// (<see cref="ProjectionLease"/>; another process that holds it runs the projection instead, and this one takes over when
/// that one stops or its claim runs out), it reads the log from the saved checkpoint a batch at a time, projects each
/// batch in a transaction that also checks the lease and saves the checkpoint, and once caught up waits for the next
/// append (this process's at once, others' through the store's wake-up or at <see cref="ContractsOptions.EventPollInterval"/>).
/// A failed batch is rolled back, logged, kept as the status's error and tried again from the checkpoint after a growing
/// delay: an event the projection cannot read stops it there, with the reason, and loses nothing.
/// </summary>
internal sealed partial class AsyncProjectionRunner(
    ProjectionOptions projection,
    ContractsRuntime runtime,
    EventStore store,
    IServiceScopeFactory scopes,
    string owner,
    ILogger logger)
{
    private static readonly TimeSpan s_maxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>Held while a batch runs: a rebuild takes it to reset between batches.</summary>
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly ProjectionLease _lease = new(projection.Descriptor.Name, owner, runtime.Options.ClaimDuration, runtime.Time, logger);
    private long _checkpoint = -1;

    /// <summary>The lease token <see cref="_checkpoint"/> was read under: under another (a new lease) it is read again.</summary>
    private long _readUnder;

    /// <summary>Completed when a rebuild here took the lease, to wake a daemon that waits for it.</summary>
    private TaskCompletionSource _leaseTaken = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _error;

    private enum Step
    {
        /// <summary>Another process holds the lease.</summary>
        Waiting,

        /// <summary>Caught up with the head.</summary>
        CaughtUp,

        /// <summary>A full page was projected: more may follow.</summary>
        Full,
    }

    public ProjectionOptions Projection => projection;

    /// <summary>The position projected up to while this process holds the lease; -1 when it does not (read the store's).</summary>
    public long Checkpoint => _lease.Token != 0 ? Position : -1;

    public string? Error => Volatile.Read(ref _error);

    /// <summary>The position this daemon projected up to (-1 until it has read its checkpoint).</summary>
    private long Position => Volatile.Read(ref _checkpoint);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Through the event store, so that this process hears of other processes' appends (PostgreSQL's NOTIFY) even if
        // it never appends or subscribes itself.
        IEventLogStore log = await store.OpenLogAsync().ConfigureAwait(false);
        Task renewing = _lease.RenewAsync(log, cancellationToken);
        try
        {
            await LoopAsync(log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await renewing.ConfigureAwait(false);
            await _turn.WaitAsync(CancellationToken.None).ConfigureAwait(false); // after a rebuild's reset in flight
            try
            {
                await _lease.ReleaseAsync(log).ConfigureAwait(false); // a clean stop: another process takes over at once
            }
            finally
            {
                _turn.Release();
            }
        }
    }

    private async Task LoopAsync(IEventLogStore log, CancellationToken cancellationToken)
    {
        TimeSpan retry = projection.RetryDelay;
        bool waiting = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Task appended = store.Appended;
                Task leaseTaken = Volatile.Read(ref _leaseTaken).Task;
                Step step = await RunOnceAsync(log, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _error, null);
                retry = projection.RetryDelay;
                if (step == Step.Waiting && !waiting)
                {
                    ProjectionLog.LeaseWaiting(logger, projection.Descriptor.Name);
                }

                waiting = step == Step.Waiting;
                if (step != Step.Full)
                {
                    try
                    {
                        // Waiting for the lease, ask again at the lease's beat (appends do not free it); caught up, at the next append.
                        await (waiting ? leaseTaken.WaitAsync(_lease.Beat, runtime.Time, cancellationToken) : appended.WaitAsync(runtime.Options.EventPollInterval, runtime.Time, cancellationToken)).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        // Look again: another process may have appended, or let the lease go.
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ProjectionLeaseLostException)
            {
                // Logged by the lease; the batch was rolled back. Wait for the lease again, and read the checkpoint then.
                Volatile.Write(ref _readUnder, 0);
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _error, $"{ex.GetType().Name}: {ex.Message}");
                ProjectionLog.Failed(logger, ex, projection.Descriptor.Name, Position, retry);
                Volatile.Write(ref _readUnder, 0); // read the checkpoint again: the failed batch was rolled back
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

    /// <summary>Takes the lease if it is free and projects what the log holds after the checkpoint, up to one page.</summary>
    private async ValueTask<Step> RunOnceAsync(IEventLogStore log, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long token = _lease.Token;
            if (token == 0)
            {
                token = await _lease.TryAcquireAsync(log, takeOver: false, cancellationToken).ConfigureAwait(false);
                if (token == 0)
                {
                    return Step.Waiting;
                }
            }

            if (Volatile.Read(ref _readUnder) != token)
            {
                // A new lease: the previous holder (another process, or this one before it lost the lease) moved it on.
                Volatile.Write(ref _checkpoint, await log.ReadCheckpointAsync(projection.Descriptor.Name, cancellationToken).ConfigureAwait(false));
                Volatile.Write(ref _readUnder, token);
                ProjectionLog.Started(logger, projection.Descriptor.Name, Position, projection.Parallelism);
            }

            long from = Position + 1;
            int size = projection.BatchSize * projection.Parallelism;
            IReadOnlyList<EventRecord> page = await log.ReadAllAsync(from, size, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return Step.CaughtUp;
            }

            long last = page[^1].Position;
            if (projection.Parallelism == 1)
            {
                await ProjectionBatch.RunAsync(projection, log, store, scopes, page, last, rebuilding: false, _lease, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RunParallelAsync(log, page, cancellationToken).ConfigureAwait(false);
            }

            Volatile.Write(ref _checkpoint, last);
            return page.Count == size ? Step.Full : Step.CaughtUp;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Empties the read model and starts again from position 1, between two batches. The rebuild takes the lease from
    /// the process that holds it (which finds its next batch refused): the reset and the replay run here.
    /// </summary>
    public async ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        await runtime.StoreReadyAsync().ConfigureAwait(false);
        IEventLogStore log = runtime.Store.Events;
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                long token = _lease.Token;
                if (token == 0)
                {
                    token = await _lease.TryAcquireAsync(log, takeOver: true, cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    await ProjectionBatch.ResetAsync(projection, log, scopes, _lease, cancellationToken).ConfigureAwait(false);
                }
                catch (ProjectionLeaseLostException) when (attempt == 0)
                {
                    continue; // lost since this process took it: take it over
                }

                Volatile.Write(ref _checkpoint, 0);
                Volatile.Write(ref _readUnder, token);
                break;
            }
        }
        finally
        {
            _turn.Release();
        }

        Interlocked.Exchange(ref _leaseTaken, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        store.SignalAppended(); // wake the daemon if it waits for an append
    }
}
