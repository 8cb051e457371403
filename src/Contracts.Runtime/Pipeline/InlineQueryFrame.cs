using System;
using System.Diagnostics;
using System.Threading;

namespace Contracts.Pipeline;

/// <summary>
/// What one inline query needs besides its handler: the envelope, the delivery's and the handler's contexts, and the
/// source of the handler's token. One is kept per thread and reused by the next query on that thread, but only after
/// a query whose handler finished without suspending, whose scope was disposed at once and whose token was never
/// cancelled; any other query's frame is left to the collector, since its handler may still hold what it was given.
/// A handler that keeps its <see cref="MessageContext"/>, envelope or token past its own return (a task left running,
/// a field) sees the next query's: the rule is in <c>docs/queries.md</c>.
/// </summary>
internal sealed class InlineQueryFrame
{
#pragma warning disable IDE1006 // thread-static fields are t_camel, which the naming rules cannot express
    [ThreadStatic]
    private static InlineQueryFrame? t_spare;
#pragma warning restore IDE1006

    /// <summary>Whether a query holds this frame; a frame is kept in its thread's slot while in use, so renting and returning it store nothing there.</summary>
    private bool _inUse;

    /// <summary>The caller's execution context at the last query that read <see cref="_activity"/> from it.</summary>
    private ExecutionContext? _ambient;

    /// <summary>The activity current in <see cref="_ambient"/>.</summary>
    private Activity? _activity;

    public CancellationTokenSource Tokens { get; } = new();

    /// <summary>The envelope of the previous query, to recycle; null in a new frame.</summary>
    public Envelope? Envelope { get; set; }

    /// <summary>The delivery's context of the previous query, to recycle; null in a new frame.</summary>
    public ConsumeContext? Context { get; set; }

    /// <summary>The handler's context made for <see cref="Context"/>.</summary>
    public MessageContext? MessageContext { get; set; }

    /// <summary>
    /// The activity current in <paramref name="ambient"/>, the caller's execution context. An execution context never
    /// changes (setting <see cref="Activity.Current"/> or any other async-local value makes a new one), so a caller
    /// still in the context of its previous query has the same activity, and the async-local lookup is skipped.
    /// </summary>
    public Activity? CurrentActivity(ExecutionContext? ambient)
    {
        if (ambient is null)
        {
            return Activity.Current; // its flow suppressed: no context to know it by
        }

        if (!ReferenceEquals(ambient, _ambient))
        {
            _activity = Activity.Current;
            _ambient = ambient;
        }

        return _activity;
    }

    /// <summary>This thread's frame, or a new one; a nested query on the thread gets a frame of its own.</summary>
    public static InlineQueryFrame Rent()
    {
        InlineQueryFrame? frame = t_spare;
        if (frame is null)
        {
            // The thread's first query (or the first after one whose frame was abandoned): its frame becomes the thread's.
            t_spare = frame = new InlineQueryFrame();
        }
        else if (frame._inUse)
        {
            return new InlineQueryFrame { _inUse = true }; // a query within a query: used once, never kept
        }

        frame._inUse = true;
        return frame;
    }

    /// <summary>Keeps this frame for the next query on this thread, if its token source can be reset (never cancelled).</summary>
    public void Return()
    {
        if (Tokens.TryReset())
        {
            _inUse = false;
        }
        else
        {
            Abandon();
        }
    }

    /// <summary>
    /// Gives this frame up: its handler may still hold what it was given (it suspended or failed, its scope disposes
    /// later, or its token was cancelled). Called on the thread that rented it, before that thread runs another query.
    /// </summary>
    public void Abandon()
    {
        if (ReferenceEquals(t_spare, this))
        {
            t_spare = null;
        }
    }
}
