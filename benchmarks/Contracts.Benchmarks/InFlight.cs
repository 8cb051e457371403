using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Contracts.Benchmarks;

/// <summary>How the durable suites keep a window of sends in flight: a producer that awaits the oldest once the window is full.</summary>
public static class InFlight
{
    /// <summary>Starts <paramref name="count"/> sends with at most <paramref name="window"/> outstanding, then waits for the rest.</summary>
    public static async Task SendAsync(int count, int window, Func<ValueTask> send)
    {
        var inFlight = new Queue<Task>(window);
        for (int i = 0; i < count; i++)
        {
            if (inFlight.Count == window)
            {
                await inFlight.Dequeue();
            }

            inFlight.Enqueue(send().AsTask());
        }

        await Task.WhenAll(inFlight);
    }
}
