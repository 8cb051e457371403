using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Testing.Compliance;

/// <summary>One handler run, as the handler saw it.</summary>
/// <param name="Bus">The label of the bus that ran it.</param>
/// <param name="What">What ran: the contract's endpoint, or a step such as <c>Busy.done</c>.</param>
/// <param name="Id">The message's own id member.</param>
/// <param name="Attempt">The delivery attempt.</param>
/// <param name="MessageId">The envelope's message id.</param>
/// <param name="CorrelationId">The envelope's correlation id.</param>
/// <param name="Endpoint">The endpoint it was delivered on.</param>
/// <param name="Timestamp">When, in <see cref="Stopwatch"/> ticks.</param>
internal sealed record Handled(string Bus, string What, Guid Id, int Attempt, Guid MessageId, Guid CorrelationId, string Endpoint, long Timestamp);

/// <summary>What every bus of one test recorded, with bounded waits on it. Shared by the buses of a test.</summary>
internal sealed class ComplianceLog
{
    private readonly Lock _lock = new();
    private readonly List<Handled> _handled = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;

    /// <summary>Ids whose <see cref="Poison"/> handler succeeds.</summary>
    public ConcurrentDictionary<Guid, bool> Healed { get; } = new();

    /// <summary>While true, a blocking <see cref="Parked"/> handler waits for its cancellation token.</summary>
    public volatile bool HoldBlockers = true;

    /// <summary>The most <see cref="Work"/> handlers seen running at once, per bus.</summary>
    public ConcurrentDictionary<string, int> MaxInFlight { get; } = new(StringComparer.Ordinal);

    /// <summary>Warnings and errors the buses logged, for failure messages.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public void Record(string bus, string what, Guid id, MessageContext context)
    {
        var handled = new Handled(bus, what, id, context.Attempt, context.MessageId, context.CorrelationId, context.Endpoint, Stopwatch.GetTimestamp());
        TaskCompletionSource changed;
        lock (_lock)
        {
            _handled.Add(handled);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    public int EnterWork(string bus)
    {
        int now = Interlocked.Increment(ref _inFlight);
        MaxInFlight.AddOrUpdate(bus, now, (_, max) => Math.Max(max, now));
        return now;
    }

    public void LeaveWork() => Interlocked.Decrement(ref _inFlight);

    public IReadOnlyList<Handled> Snapshot()
    {
        lock (_lock)
        {
            return [.. _handled];
        }
    }

    /// <summary>The runs of <paramref name="what"/> for <paramref name="id"/>.</summary>
    public List<Handled> Of(string what, Guid id)
    {
        var found = new List<Handled>();
        foreach (Handled handled in Snapshot())
        {
            if (handled.Id == id && handled.What == what)
            {
                found.Add(handled);
            }
        }

        return found;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking on every record; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<Handled>, bool> condition, TimeSpan timeout, string what)
    {
        if (!await TryWaitForAsync(condition, timeout))
        {
            Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.{Describe()}");
        }
    }

    /// <summary>Whether <paramref name="condition"/> came to hold within <paramref name="timeout"/>: for what must NOT happen, a bounded look.</summary>
    public async Task<bool> TryWaitForAsync(Func<IReadOnlyList<Handled>, bool> condition, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                changed = _changed.Task;
            }

            if (condition(Snapshot()))
            {
                return true;
            }

            TimeSpan left = timeout - stopwatch.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await changed.WaitAsync(left).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>What was recorded and logged, for a failure message.</summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        IReadOnlyList<Handled> handled = Snapshot();
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\nHandled ({handled.Count}):");
        for (int i = Math.Max(0, handled.Count - 30); i < handled.Count; i++)
        {
            Handled h = handled[i];
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n  {h.Bus} {h.What} {h.Id} attempt {h.Attempt} on '{h.Endpoint}'");
        }

        string[] logs = [.. Logs];
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\nLogged ({logs.Length}):");
        for (int i = Math.Max(0, logs.Length - 20); i < logs.Length; i++)
        {
            text.Append("\n  ").Append(logs[i]);
        }

        return text.ToString();
    }
}

/// <summary>The log as one bus's handlers see it: the singleton the suite registers in each bus.</summary>
/// <param name="Log">The test's log.</param>
/// <param name="Bus">This bus's label.</param>
internal sealed record ComplianceProbe(ComplianceLog Log, string Bus)
{
    public void Record(string what, Guid id, MessageContext context) => Log.Record(Bus, what, id, context);
}
