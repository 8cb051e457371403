using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>Taking over what dead consumers left, and keeping what this one holds from being taken over.</summary>
internal sealed partial class StreamConsumer
{
    /// <summary>
    /// Takes over entries of this endpoint's group that some consumer has held unacknowledged for
    /// <see cref="RedisTransportOptions.ClaimIdleTime"/> (its process died, or lost Redis while settling), with their
    /// delivery counts (<c>XPENDING</c>: the claim counted one more). Entries this consumer still holds are skipped.
    /// </summary>
    private Task TakeOverAsync(CancellationToken stopping) => TakeOverAsync(Streams, partition: -1, stopping);

    /// <summary>The take-over of <paramref name="streams"/>, whose entries are of <paramref name="partition"/> (-1: not partitioned).</summary>
    private async Task TakeOverAsync(RedisKey[] streams, int partition, CancellationToken stopping)
    {
        IDatabase database = Transport.Database;
        long minIdle = (long)Transport.Options.ClaimIdleTime.TotalMilliseconds;
        foreach (RedisKey stream in streams)
        {
            RedisValue start = "0-0";
            for (int round = 0; round < 16 && !stopping.IsCancellationRequested; round++)
            {
                int room = _batch - Volatile.Read(ref _heldCount);
                if (room <= 0)
                {
                    break;
                }

                StreamAutoClaimResult claimed = await database.StreamAutoClaimAsync(stream, Group, Transport.ConsumerName, minIdle, start, room).ConfigureAwait(false);
                if (claimed.IsNull)
                {
                    break;
                }

                StreamEntry[] entries = claimed.ClaimedEntries;
                if (entries.Length > 0)
                {
                    Dictionary<RedisValue, int> counts = await DeliveryCountsAsync(database, stream, entries).ConfigureAwait(false);
                    int taken = 0;
                    foreach (StreamEntry entry in entries)
                    {
                        if (entry.IsNull || _held.ContainsKey((stream, entry.Id)))
                        {
                            continue;
                        }

                        taken++;
                        await DispatchAsync(stream, entry, counts.TryGetValue(entry.Id, out int count) ? count : 2, partition, stopping).ConfigureAwait(false);
                    }

                    if (taken > 0)
                    {
                        RedisTransport.Log.TookOver(Transport.Logger, taken, _endpoint.Name);
                    }
                }

                start = claimed.NextStartId;
                if (start.IsNullOrEmpty || start == "0-0")
                {
                    break;
                }
            }
        }
    }

    private async Task<Dictionary<RedisValue, int>> DeliveryCountsAsync(IDatabase database, RedisKey stream, StreamEntry[] entries)
    {
        StreamPendingMessageInfo[] pending = await database.StreamPendingMessagesAsync(
            stream, Group, entries.Length, Transport.ConsumerName, entries[0].Id, entries[^1].Id).ConfigureAwait(false);
        var counts = new Dictionary<RedisValue, int>(pending.Length);
        foreach (StreamPendingMessageInfo info in pending)
        {
            counts[info.MessageId] = info.DeliveryCount;
        }

        return counts;
    }

    /// <summary>
    /// Resets the idle time of entries this consumer has held longer than <paramref name="olderThan"/> (read ahead, or
    /// a slow handler): <c>XCLAIM ... JUSTID</c> to itself, which does not count a delivery, so no other consumer takes
    /// over work that is still being done.
    /// </summary>
    private async Task KeepAliveAsync(TimeSpan olderThan)
    {
        if (_held.IsEmpty)
        {
            return;
        }

        TimeProvider time = Transport.Time;
        var byStream = new Dictionary<RedisKey, List<RedisValue>>();
        foreach (KeyValuePair<(RedisKey Stream, RedisValue Id), RedisDelivery> held in _held)
        {
            if (time.GetElapsedTime(held.Value.HeldSince) >= olderThan)
            {
                if (!byStream.TryGetValue(held.Key.Stream, out List<RedisValue>? ids))
                {
                    byStream[held.Key.Stream] = ids = [];
                }

                ids.Add(held.Key.Id);
                held.Value.HeldSince = time.GetTimestamp();
            }
        }

        foreach ((RedisKey stream, List<RedisValue> ids) in byStream)
        {
            await Transport.Database.StreamClaimIdsOnlyAsync(stream, Group, Transport.ConsumerName, 0, [.. ids]).ConfigureAwait(false);
        }
    }
}
