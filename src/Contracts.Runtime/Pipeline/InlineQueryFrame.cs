using System;
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

    public CancellationTokenSource Tokens { get; } = new();

    /// <summary>The envelope of the previous query, to recycle; null in a new frame.</summary>
    public Envelope? Envelope { get; set; }

    /// <summary>The delivery's context of the previous query, to recycle; null in a new frame.</summary>
    public ConsumeContext? Context { get; set; }

    /// <summary>The handler's context made for <see cref="Context"/>.</summary>
    public MessageContext? MessageContext { get; set; }

    /// <summary>This thread's spare frame, or a new one; a nested query on the thread gets a frame of its own.</summary>
    public static InlineQueryFrame Rent()
    {
        InlineQueryFrame? frame = t_spare;
        if (frame is null)
        {
            return new InlineQueryFrame();
        }

        t_spare = null;
        return frame;
    }

    /// <summary>Keeps this frame for the next query on this thread, if its token source can be reset (never cancelled).</summary>
    public void Return()
    {
        if (Tokens.TryReset())
        {
            t_spare = this;
        }
    }
}
