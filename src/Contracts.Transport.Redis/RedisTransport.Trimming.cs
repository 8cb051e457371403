using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// Trimming: an acknowledged entry stays in its stream (other groups may still need it), so every
/// <see cref="RedisTransportOptions.TrimInterval"/> each stream read here is cut with <c>XTRIM MINID ~</c> below the
/// oldest entry any of its groups still needs. Trimming by length (<c>MAXLEN</c>) is never used: it would drop entries
/// a group has not read, or has read and not acknowledged (a pending entry whose entry is gone cannot be handled again).
/// </summary>
internal sealed partial class RedisTransport
{
    /// <summary>How long a consumer with nothing pending may stay idle before it is removed from its group (a process gone for good).</summary>
    private static readonly TimeSpan s_forgetConsumersAfter = TimeSpan.FromHours(1);

    private async Task KeepTrimmedAsync()
    {
        var streams = new HashSet<RedisKey>();
        foreach (StreamConsumer consumer in _consumers)
        {
            streams.UnionWith(consumer.Streams);
        }

        using var timer = new PeriodicTimer(_options.TrimInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token).ConfigureAwait(false))
            {
                foreach (RedisKey stream in streams)
                {
                    try
                    {
                        await TrimAsync(stream).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (IsConnectionFailure(ex) || ex is RedisServerException)
                    {
                        Log.TrimFailed(_logger, ex, stream.ToString());
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    /// <summary>Trims <paramref name="stream"/> below what its groups still need; returns the id trimmed below, or null when nothing may go.</summary>
    internal async Task<string?> TrimAsync(RedisKey stream)
    {
        IDatabase database = Database;
        StreamGroupInfo[] groups = await database.StreamGroupInfoAsync(stream).ConfigureAwait(false);
        if (groups.Length == 0)
        {
            return null; // no group: nobody reads it, and nothing says what is done with
        }

        StreamId? keep = null;
        foreach (StreamGroupInfo group in groups)
        {
            // The oldest entry the group still needs: its oldest pending one, else the last it was given (kept, so
            // the stream never looks empty to a group that has read everything).
            StreamPendingInfo pending = await database.StreamPendingAsync(stream, group.Name).ConfigureAwait(false);
            StreamId needed = StreamId.Parse(pending.PendingMessageCount > 0 ? (string?)pending.LowestPendingMessageId : group.LastDeliveredId);
            keep = keep is { } k && k.CompareTo(needed) <= 0 ? k : needed;
            await ForgetIdleConsumersAsync(database, stream, group.Name).ConfigureAwait(false);
        }

        if (keep is not { } minimum || minimum.IsZero)
        {
            return null;
        }

        string minId = minimum.ToString();
        await database.StreamTrimByMinIdAsync(stream, minId, useApproximateMaxLength: true).ConfigureAwait(false);
        return minId;
    }

    /// <summary>Removes consumers of stopped processes: nothing pending, idle for an hour.</summary>
    private static async Task ForgetIdleConsumersAsync(IDatabase database, RedisKey stream, string group)
    {
        StreamConsumerInfo[] consumers = await database.StreamConsumerInfoAsync(stream, group).ConfigureAwait(false);
        foreach (StreamConsumerInfo consumer in consumers)
        {
            if (consumer.PendingMessageCount == 0 && consumer.IdleTimeInMilliseconds > (long)s_forgetConsumersAfter.TotalMilliseconds)
            {
                await database.StreamDeleteConsumerAsync(stream, group, consumer.Name).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A stream entry id, <c>ms-seq</c>, ordered as Redis orders them.</summary>
    internal readonly record struct StreamId(ulong Milliseconds, ulong Sequence) : IComparable<StreamId>
    {
        public bool IsZero => Milliseconds == 0 && Sequence == 0;

        public static StreamId Parse(string? id)
        {
            if (string.IsNullOrEmpty(id))
            {
                return default;
            }

            int dash = id.IndexOf('-', StringComparison.Ordinal);
            return dash < 0
                ? new StreamId(ulong.Parse(id, System.Globalization.CultureInfo.InvariantCulture), 0)
                : new StreamId(
                    ulong.Parse(id.AsSpan(0, dash), System.Globalization.CultureInfo.InvariantCulture),
                    ulong.Parse(id.AsSpan(dash + 1), System.Globalization.CultureInfo.InvariantCulture));
        }

        public int CompareTo(StreamId other) =>
            Milliseconds != other.Milliseconds ? Milliseconds.CompareTo(other.Milliseconds) : Sequence.CompareTo(other.Sequence);

        public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");
    }
}
