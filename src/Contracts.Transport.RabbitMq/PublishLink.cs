using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// The connection every publish goes through, with its one confirmed channel, kept apart from the consuming
/// connection so that neither can starve the other. It counts the publishes waiting on it and when a confirm last
/// came, so that a wedged link (publishes waiting, no confirm for a while, the broker not blocking it) can be told
/// apart from a slow one; the transport then replaces it whole and <see cref="Lost"/> sends the waiting publishes
/// to the new one.
/// </summary>
internal sealed class PublishLink
{
    private readonly CancellationTokenSource _lost = new();
    private long _outstanding;
    private long _progressAt = Stopwatch.GetTimestamp();
    private int _blocked;

    public PublishLink(IConnection connection, IChannel channel, int generation)
    {
        Connection = connection;
        Channel = channel;
        Generation = generation;
        connection.ConnectionBlockedAsync += OnBlockedAsync;
        connection.ConnectionUnblockedAsync += OnUnblockedAsync;
    }

    public IConnection Connection { get; }

    public IChannel Channel { get; }

    /// <summary>How many links this transport opened before this one.</summary>
    public int Generation { get; }

    /// <summary>Signalled when the link is given up: a publish waiting on it tries again on the next.</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>How many publishes wait on the link for their confirm.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>Whether the broker blocks the connection (a memory or disk alarm): publishes wait then, and no confirm comes.</summary>
    public bool Blocked => Volatile.Read(ref _blocked) != 0;

    /// <summary>A publish starts waiting; the first after a quiet spell restarts the clock of <see cref="StalledFor"/>.</summary>
    public void Begin()
    {
        if (Interlocked.Increment(ref _outstanding) == 1)
        {
            Volatile.Write(ref _progressAt, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>A publish stopped waiting: confirmed (progress), or failed.</summary>
    public void End(bool confirmed)
    {
        if (confirmed)
        {
            Volatile.Write(ref _progressAt, Stopwatch.GetTimestamp());
        }

        Interlocked.Decrement(ref _outstanding);
    }

    /// <summary>How long publishes have waited on the link without any confirm; zero while none waits.</summary>
    public TimeSpan StalledFor => Outstanding > 0 ? Stopwatch.GetElapsedTime(Volatile.Read(ref _progressAt)) : TimeSpan.Zero;

    /// <summary>Gives the link up: publishes waiting on it go on to the next.</summary>
    public void MarkLost() => _lost.Cancel();

    private Task OnBlockedAsync(object sender, ConnectionBlockedEventArgs args)
    {
        Volatile.Write(ref _blocked, 1);
        return Task.CompletedTask;
    }

    private Task OnUnblockedAsync(object sender, AsyncEventArgs args)
    {
        Volatile.Write(ref _blocked, 0);
        Volatile.Write(ref _progressAt, Stopwatch.GetTimestamp());
        return Task.CompletedTask;
    }
}
