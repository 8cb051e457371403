using System;
using System.Threading;

namespace Contracts.Tests.Shared;

/// <summary>
/// A clock the test moves by hand: <see cref="GetUtcNow"/> says what the test set, while timers (polls, delays) keep
/// running in real time. Schedules compare due times with <see cref="GetUtcNow"/>, so a test moves a schedule through
/// hours or days of occurrences in milliseconds, and nothing fires before the test moves the clock.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
