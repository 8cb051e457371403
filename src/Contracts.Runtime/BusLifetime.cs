using System.Threading;

namespace Contracts;

/// <summary>Where the bus is in its life, shared by the parts that must know: sends fail once stopped, deliveries stop being taken while stopping.</summary>
internal sealed class BusLifetime
{
    public const int Created = 0, Running = 1, Stopping = 2, Stopped = 3;

    private int _state;

    /// <summary>Signalled when stopping ran out of time: handlers are cancelled and what is still queued stays unhandled.</summary>
    public CancellationTokenSource Abort { get; } = new();

    public int State => Volatile.Read(ref _state);

    public bool IsRunning => State == Running;

    public bool TryMove(int from, int to) => Interlocked.CompareExchange(ref _state, to, from) == from;

    public int MoveTo(int state) => Interlocked.Exchange(ref _state, state);
}
