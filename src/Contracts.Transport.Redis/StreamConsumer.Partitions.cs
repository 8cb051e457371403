using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// Reading a partitioned endpoint: only the partitions whose lease this process holds (<see cref="PartitionLeases"/>),
/// each taken over first (what its previous holder left pending, in stream order), its entries handed to the keyed
/// lanes in stream order.
/// </summary>
internal sealed partial class StreamConsumer
{
    private async Task ReadPartitionsAsync()
    {
        PartitionLeases leases = _leases!;
        RedisTransportOptions options = Transport.Options;
        TimeProvider time = Transport.Time;
        CancellationToken stopping = Transport.Stopping;
        TimeSpan claimEvery = TimeSpan.FromTicks(Math.Clamp(options.ClaimIdleTime.Ticks / 2, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond * 5));
        TimeSpan keepAliveEvery = options.ClaimIdleTime / 3;
        var streamsOf = new RedisKey[leases.Count][];
        var partitionOf = new Dictionary<RedisKey, int>(Streams.Length);
        for (int p = 0; p < streamsOf.Length; p++)
        {
            streamsOf[p] = Streams.AsSpan(p * PerPartition, PerPartition).ToArray();
            foreach (RedisKey stream in streamsOf[p])
            {
                partitionOf[stream] = p;
            }
        }

        int version = -1;
        StreamPosition[] positions = [];
        var read = new List<int>(leases.Count);
        long lastClaim = time.GetTimestamp();
        long lastKeepAlive = time.GetTimestamp();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Changes of the leases, made here between reads so that none races one.
                await leases.ReleaseDrainedAsync().ConfigureAwait(false);
                if (leases.Version != version)
                {
                    version = leases.Version;
                    for (int p = 0; p < leases.Count; p++)
                    {
                        if (leases.StateOf(p) == PartitionLeases.Acquired)
                        {
                            await TakeOverPartitionAsync(p, streamsOf[p], stopping).ConfigureAwait(false);
                            leases.TookOver(p);
                        }
                    }

                    read.Clear();
                    var reading = new List<StreamPosition>(leases.Count * PerPartition);
                    for (int p = 0; p < leases.Count; p++)
                    {
                        if (leases.StateOf(p) == PartitionLeases.Owned)
                        {
                            read.Add(p);
                            foreach (RedisKey stream in streamsOf[p])
                            {
                                reading.Add(new StreamPosition(stream, StreamPosition.NewMessages));
                            }
                        }
                    }

                    positions = [.. reading];
                }

                if (time.GetElapsedTime(lastClaim) >= claimEvery && _batch - Volatile.Read(ref _heldCount) > 0)
                {
                    // Entries of a partition held here that a settle lost (they stay pending): taken over as elsewhere.
                    lastClaim = time.GetTimestamp();
                    foreach (int p in read)
                    {
                        await TakeOverAsync(streamsOf[p], p, stopping).ConfigureAwait(false);
                    }
                }

                if (time.GetElapsedTime(lastKeepAlive) >= keepAliveEvery)
                {
                    lastKeepAlive = time.GetTimestamp();
                    await KeepAliveAsync(keepAliveEvery).ConfigureAwait(false);
                }

                while (_nudges.Reader.TryRead(out _))
                {
                    // A nudge from before this read is answered by it.
                }

                if (positions.Length == 0)
                {
                    await WaitForWorkAsync(options.PollInterval, stopping).ConfigureAwait(false); // no partition leased here (yet)
                    continue;
                }

                int room = _batch - Volatile.Read(ref _heldCount);
                if (room <= 0)
                {
                    await WaitForRoomAsync(keepAliveEvery, stopping).ConfigureAwait(false);
                    continue;
                }

                RedisStream[] streams = await Transport.Database.StreamReadGroupAsync(positions, Group, Transport.ConsumerName, room).ConfigureAwait(false);
                int got = 0;
                foreach (RedisStream stream in streams)
                {
                    int partition = partitionOf[stream.Key];
                    foreach (StreamEntry entry in stream.Entries)
                    {
                        got++;
                        await DispatchAsync(stream.Key, entry, pendingDeliveries: 1, partition, stopping).ConfigureAwait(false);
                    }
                }

                if (got == 0)
                {
                    await WaitForWorkAsync(options.PollInterval, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                RedisTransport.Log.GroupMissing(Transport.Logger, ex, _endpoint.Name);
                await RetryLaterAsync(CreateGroupsAsync, stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisTransport.IsConnectionFailure(ex))
            {
                RedisTransport.Log.ReadFailed(Transport.Logger, ex, _endpoint.Name);
                await RetryLaterAsync(static () => Task.CompletedTask, stopping).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Takes a partition just leased over: every entry of its group still pending (its previous holder's, whatever it
    /// read ahead, was running, or held for a delayed retry when it stopped or died), claimed to this consumer in stream
    /// order and queued into the lanes before any newer entry is read, so its keys go on where they were.
    /// </summary>
    private async Task TakeOverPartitionAsync(int partition, RedisKey[] streams, CancellationToken stopping)
    {
        IDatabase database = Transport.Database;
        int taken = 0;
        foreach (RedisKey stream in streams)
        {
            RedisValue start = "0-0";
            while (!stopping.IsCancellationRequested)
            {
                StreamAutoClaimResult claimed = await database.StreamAutoClaimAsync(stream, Group, Transport.ConsumerName, 0, start, 256).ConfigureAwait(false);
                if (claimed.IsNull)
                {
                    break;
                }

                StreamEntry[] entries = claimed.ClaimedEntries;
                if (entries.Length > 0)
                {
                    Dictionary<RedisValue, int> counts = await DeliveryCountsAsync(database, stream, entries).ConfigureAwait(false);
                    foreach (StreamEntry entry in entries)
                    {
                        if (entry.IsNull || _held.ContainsKey((stream, entry.Id)))
                        {
                            continue;
                        }

                        taken++;
                        await DispatchAsync(stream, entry, counts.TryGetValue(entry.Id, out int count) ? count : 2, partition, stopping).ConfigureAwait(false);
                    }
                }

                start = claimed.NextStartId;
                if (start.IsNullOrEmpty || start == "0-0")
                {
                    break;
                }
            }
        }

        RedisTransport.Log.PartitionTaken(Transport.Logger, _endpoint.Name, partition, taken);
    }
}
