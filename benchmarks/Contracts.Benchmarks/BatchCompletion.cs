using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Benchmarks;

/// <summary>Counts handled messages and completes when a batch has been handled: how a suite times a queued send end to end.</summary>
public sealed class BatchCompletion
{
    private int _remaining;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Expects <paramref name="expected"/> handled messages.</summary>
    public Task Arm(int expected)
    {
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _remaining, expected);
        return _done.Task;
    }

    /// <summary>One message was handled.</summary>
    public void Signal()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }
}
