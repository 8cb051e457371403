using System;
using System.Globalization;
using Cronos;

namespace Contracts.Scheduling;

/// <summary>
/// When a scheduled command is sent: on a cron expression (<see cref="Cron"/>), at a fixed interval (<see cref="Every"/>)
/// or once (<see cref="At"/>). Occurrences are a function of the schedule alone (an interval counts from a fixed
/// anchor, not from the last firing), so every process sharing a store computes the same due times; the due time of an
/// occurrence is what the store's compare-and-swap keys on. Times are kept to the millisecond.
/// </summary>
public sealed class Schedule : IEquatable<Schedule>
{
    private const string CronKind = "cron";
    private const string EveryKind = "every";
    private const string OnceKind = "once";

    private readonly CronExpression? _cron;
    private readonly TimeZoneInfo _zone;
    private readonly long _intervalMs;
    private readonly DateTimeOffset _at;

    private Schedule(string spec, CronExpression? cron, TimeZoneInfo zone, long intervalMs, DateTimeOffset at)
    {
        Spec = spec;
        _cron = cron;
        _zone = zone;
        _intervalMs = intervalMs;
        _at = at;
    }

    /// <summary>
    /// A standard five-field cron expression (minute, hour, day of month, month, day of week; <c>*</c>, lists, ranges,
    /// steps, <c>L</c>, <c>W</c>, <c>#</c> and names as in Vixie cron), evaluated in <paramref name="timeZone"/> (UTC when
    /// not given). Across a daylight-saving change an occurrence in the skipped hour fires once at the change, and one in
    /// the repeated hour fires once (Cronos's rules).
    /// </summary>
    /// <param name="expression">For example <c>"0 3 * * *"</c> (every day at 03:00) or <c>"*/15 * * * 1-5"</c>.</param>
    /// <param name="timeZone">The zone the expression is read in; <see langword="null"/> for UTC.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentException">The expression is not a valid five-field cron expression.</exception>
    public static Schedule Cron(string expression, TimeZoneInfo? timeZone = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        string trimmed = expression.Trim();
        CronExpression cron;
        try
        {
            cron = CronExpression.Parse(trimmed, CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            throw new ArgumentException(
                $"'{expression}' is not a valid cron expression: {ex.Message} A schedule takes five fields (minute hour day-of-month month day-of-week), " +
                "for example \"0 3 * * *\" for every day at 03:00.", nameof(expression), ex);
        }

        TimeZoneInfo zone = timeZone ?? TimeZoneInfo.Utc;
        string spec = zone == TimeZoneInfo.Utc ? $"{CronKind}|{trimmed}" : $"{CronKind}|{trimmed}|{zone.Id}";
        return new Schedule(spec, cron, zone, 0, default);
    }

    /// <summary>
    /// Every <paramref name="interval"/>, at <paramref name="anchor"/> + k × interval (the Unix epoch when not given, so
    /// <c>Every(TimeSpan.FromHours(1))</c> fires on the hour, UTC).
    /// </summary>
    /// <param name="interval">At least one millisecond, in whole milliseconds.</param>
    /// <param name="anchor">Where the count starts; <see langword="null"/> for the Unix epoch.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The interval is below one millisecond.</exception>
    public static Schedule Every(TimeSpan interval, DateTimeOffset? anchor = null)
    {
        long ms = (long)interval.TotalMilliseconds;
        if (ms < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"A schedule's interval must be at least one millisecond (it is {interval}).");
        }

        DateTimeOffset start = Millis(anchor ?? DateTimeOffset.UnixEpoch);
        return new Schedule(
            string.Create(CultureInfo.InvariantCulture, $"{EveryKind}|{ms}|{start.ToUnixTimeMilliseconds()}"),
            null, TimeZoneInfo.Utc, ms, start);
    }

    /// <summary>Once, at <paramref name="at"/> (a one-off delayed command that can be cancelled by its id).</summary>
    /// <param name="at">When it is due.</param>
    /// <returns>The schedule.</returns>
    public static Schedule At(DateTimeOffset at)
    {
        DateTimeOffset due = Millis(at);
        return new Schedule(string.Create(CultureInfo.InvariantCulture, $"{OnceKind}|{due.ToUnixTimeMilliseconds()}"), null, TimeZoneInfo.Utc, 0, due);
    }

    /// <summary>Whether the schedule fires once only (<see cref="At"/>).</summary>
    public bool IsOnce => _cron is null && _intervalMs == 0;

    /// <summary>The stored form (what the schedule store keeps; <see cref="Parse"/> reads it back).</summary>
    public string Spec { get; }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or <see langword="null"/> when there is none.</summary>
    /// <param name="after">The time to start from.</param>
    /// <returns>The next due time, to the millisecond.</returns>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        if (_cron is not null)
        {
            return _cron.GetNextOccurrence(after.ToUniversalTime(), _zone, inclusive: false) is { } next ? Millis(next.ToUniversalTime()) : null;
        }

        if (_intervalMs > 0)
        {
            long elapsed = after.ToUnixTimeMilliseconds() - _at.ToUnixTimeMilliseconds();
            long steps = elapsed < 0 ? 0 : (elapsed / _intervalMs) + 1;
            return _at.AddMilliseconds(steps * _intervalMs);
        }

        return _at > after ? _at : null;
    }

    /// <summary>The first due time of a schedule made at <paramref name="now"/>: a one-off's own time, even if past.</summary>
    /// <param name="now">When the schedule is made.</param>
    /// <returns>The first due time.</returns>
    public DateTimeOffset FirstDue(DateTimeOffset now) => IsOnce ? _at : NextAfter(now) ?? throw new InvalidOperationException($"The schedule {this} has no occurrence after {now:O}.");

    /// <summary>Reads a schedule's stored form (<see cref="Spec"/>).</summary>
    /// <param name="spec">The stored form.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="FormatException">The text is not a stored schedule, or names a time zone this machine does not know.</exception>
    public static Schedule Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string[] parts = spec.Split('|');
        try
        {
            switch (parts[0])
            {
                case CronKind when parts.Length is 2 or 3:
                    return Cron(parts[1], parts.Length == 3 ? TimeZoneInfo.FindSystemTimeZoneById(parts[2]) : null);
                case EveryKind when parts.Length == 3:
                    return Every(
                        TimeSpan.FromMilliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture)),
                        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[2], CultureInfo.InvariantCulture)));
                case OnceKind when parts.Length == 2:
                    return At(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture)));
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException($"The stored schedule '{spec}' cannot be read here: {ex.Message}", ex);
        }

        throw new FormatException($"'{spec}' is not a stored schedule (cron|expression[|zone], every|ms|anchor-ms or once|ms).");
    }

    /// <summary>Truncates to whole milliseconds, the precision every store keeps.</summary>
    internal static DateTimeOffset Millis(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    /// <inheritdoc />
    public bool Equals(Schedule? other) => other is not null && string.Equals(Spec, other.Spec, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Schedule);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Spec);

    /// <summary>A readable form: <c>cron 0 3 * * *</c>, <c>every 01:00:00</c>, <c>once at 2030-01-01T03:00:00.0000000+00:00</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => _cron is not null
        ? (_zone == TimeZoneInfo.Utc ? $"cron {Spec[(CronKind.Length + 1)..]}" : $"cron {Spec[(CronKind.Length + 1)..Spec.LastIndexOf('|')]} ({_zone.Id})")
        : _intervalMs > 0 ? string.Create(CultureInfo.InvariantCulture, $"every {TimeSpan.FromMilliseconds(_intervalMs)}") : string.Create(CultureInfo.InvariantCulture, $"once at {_at:O}");
}
