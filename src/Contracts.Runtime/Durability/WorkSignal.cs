using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Durability;

/// <summary>
/// A wake-up for a polling loop (<see cref="Storage.IMessageStore.OnWork"/>): the loop takes <see cref="Next"/> before it
/// looks for work and then waits for it or for its poll interval, whichever comes first, so a wake while it looks is not lost.
/// </summary>
internal sealed class WorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Wake"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Wake() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits until <paramref name="wake"/> completes or <paramref name="timeout"/> passes on <paramref name="time"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task WaitAsync(Task wake, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!wake.IsCompleted)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task delay = Task.Delay(timeout, time, stop.Token);
            if (await Task.WhenAny(wake, delay).ConfigureAwait(false) == delay)
            {
                await delay.ConfigureAwait(false);
                return;
            }

            await stop.CancelAsync().ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
