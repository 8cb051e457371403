using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;

namespace Contracts.Transport.InMemory;

internal sealed partial class InMemoryTransport
{
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Stopping, Running) != Running)
        {
            return;
        }

        // Recovery stops first: what it has not queued stays in the store.
        await _recoveryStop.CancelAsync().ConfigureAwait(false);
        await _recovery.ConfigureAwait(false);

        TimeSpan timeout = _context!.ShutdownTimeout;
        long pending = Interlocked.Read(ref _pending);
        Log.Stopping(_logger, pending, timeout);
        if (pending == 0)
        {
            _drained.TrySetResult();
        }

        // Handlers may still send while draining; stop accepting only once everything queued is handled.
        try
        {
            await _drained.Task.WaitAsync(_context.Aborted).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.DrainTimedOut(_logger, Interlocked.Read(ref _pending), timeout);
        }

        // Timers first: one firing after the queues closed would fail its write and lose its message uncounted.
        await _timers.CancelAsync().ConfigureAwait(false);
        _state = Stopped;
        foreach (EndpointQueue queue in _queues)
        {
            queue.Complete();
        }

        var workers = new Task[_queues.Length];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = _queues[i].Completion;
        }

        try
        {
            // A handler that ignores its cancelled token must not hold the host forever: the host's token bounds the wait.
            await Task.WhenAll(workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.HandlersAbandoned(_logger, Interlocked.Read(ref _pending));
        }

        // Removals of handled messages are committed in the background; a clean stop leaves none of them undone.
        for (int i = 0; i < 500 && Interlocked.Read(ref _completing) > 0 && !cancellationToken.IsCancellationRequested; i++)
        {
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }

        long lost = Interlocked.Read(ref _scheduled);
        if (lost > 0)
        {
            Log.DelayedLost(_logger, lost);
        }
    }

    /// <summary>Synchronous disposal stops at once: queued messages are not handled (durable ones stay in the store).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _state, Stopped) is Running or Stopping)
        {
            foreach (EndpointQueue queue in _queues)
            {
                queue.Complete();
            }

            _recoveryStop.Cancel();
            _timers.Cancel();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
