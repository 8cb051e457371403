using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// Which partitions of a keyed endpoint this process consumes. Each partition has a lease,
/// <c>{prefix}:{endpoint}:lease:{i}</c>, set to its holder's consumer name with a time to live of
/// <see cref="RedisTransportOptions.PartitionLeaseTime"/> (<c>SET ... NX PX</c>), and every process consuming the
/// endpoint is a member of <c>{prefix}:{endpoint}:members</c>, a sorted set scored by when its membership runs out.
/// Every third of the lease time one script renews this process's membership and leases and says, per partition,
/// whether it is this process's, another's or free, and how many processes are alive; this process then holds its fair
/// share, ceil(P / live): it takes free partitions up to it and hands back those above it.
/// </summary>
/// <remarks>
/// The reader of the endpoint (<see cref="StreamConsumer"/>) makes the changes that touch the streams, so none races a
/// read: it takes over a partition just leased (the entries its previous holder left pending, in stream order, before
/// any new one) and gives a lease back only once nothing of the partition is held here any more (read ahead, running,
/// or a delayed retry waiting in its lane). A lease that was not renewed in time (the process or its connection stalled
/// longer than the lease time) is dropped at once: the lanes leave that partition's entries they have not started to
/// its new holder.
/// </remarks>
internal sealed class PartitionLeases
{
    /// <summary>Not this process's.</summary>
    public const int Free = 0;

    /// <summary>Leased, not taken over yet: the reader claims what its previous holder left, then reads it.</summary>
    public const int Acquired = 1;

    /// <summary>Leased and read.</summary>
    public const int Owned = 2;

    /// <summary>Above this process's share: no longer read, and given back once nothing of it is held here.</summary>
    public const int Releasing = 3;

    // KEYS[1] the members, KEYS[2..] the leases; ARGV[1] this consumer, ARGV[2] the lease time in ms. Redis's own clock,
    // so processes on machines whose clocks differ agree on who is alive.
    private const string TickScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local ttl = tonumber(ARGV[2])
        redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local result = { redis.call('ZCARD', KEYS[1]) }
        for i = 2, #KEYS do
          local holder = redis.call('GET', KEYS[i])
          if holder == ARGV[1] then
            redis.call('PEXPIRE', KEYS[i], ttl)
            result[i] = 1
          elseif holder then
            result[i] = 2
          else
            result[i] = 0
          end
        end
        return result
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private const string LeaveScript = "return redis.call('ZREM', KEYS[1], ARGV[1])";

    private readonly StreamConsumer _consumer;
    private readonly RedisKey[] _keys; // the members, then the P leases
    private readonly RedisValue[] _arguments;
    private readonly int[] _states;
    private readonly int[] _held;
    private readonly int _first;
    private readonly CancellationTokenSource _stop = new();
    private int _version;
    private long _validUntil; // when the leases renewed last surely still last on Redis (a timestamp)
    private long _live = 1;
    private Task _loop = Task.CompletedTask;

    public PartitionLeases(StreamConsumer consumer, int partitions)
    {
        _consumer = consumer;
        RedisTransportOptions options = consumer.Transport.Options;
        string endpoint = consumer.Endpoint.Name;
        _keys = new RedisKey[partitions + 1];
        _keys[0] = $"{options.Prefix}:{endpoint}:members";
        for (int i = 0; i < partitions; i++)
        {
            _keys[i + 1] = $"{options.Prefix}:{endpoint}:lease:{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        }

        _arguments = [consumer.Transport.ConsumerName, (long)options.PartitionLeaseTime.TotalMilliseconds];
        _states = new int[partitions];
        _held = new int[partitions];
        // Processes take free partitions from a place of their own, so that ones starting together do not contend.
        _first = Random.Shared.Next(partitions);
    }

    /// <summary>How many partitions the endpoint has.</summary>
    public int Count => _states.Length;

    /// <summary>Changes whenever a partition changes state: the reader then reads another set of streams.</summary>
    public int Version => Volatile.Read(ref _version);

    public int StateOf(int partition) => Volatile.Read(ref _states[partition]);

    /// <summary>
    /// Whether this process still holds <paramref name="partition"/> (being taken over, read, or released) and its lease
    /// has surely not run out on Redis: its entries may start here. A process that could not renew for a whole lease
    /// time (it stalled, or lost Redis) starts none, even before its next renewal tells it who holds the partition now.
    /// </summary>
    /// <remarks>
    /// A partition whose lease ran out here is dropped at once: the entries of it left pending now and those still in the
    /// lanes are taken over again, in stream order, if the next renewal finds the lease still this process's.
    /// </remarks>
    public bool Holds(int partition)
    {
        if (Volatile.Read(ref _states[partition]) == Free)
        {
            return false;
        }

        if (_consumer.Transport.Time.GetTimestamp() < Volatile.Read(ref _validUntil))
        {
            return true;
        }

        if (Interlocked.Exchange(ref _states[partition], Free) != Free)
        {
            Interlocked.Increment(ref _version);
            RedisTransport.Log.PartitionLost(_consumer.Transport.Logger, _consumer.Endpoint.Name, partition);
        }

        return false;
    }

    /// <summary>One more entry of <paramref name="partition"/> held here (read, not settled).</summary>
    public void Hold(int partition) => Interlocked.Increment(ref _held[partition]);

    /// <summary>One entry of <paramref name="partition"/> less held here.</summary>
    public void Release(int partition) => Interlocked.Decrement(ref _held[partition]);

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>The reader took over <paramref name="partition"/>: it reads it from now on, unless its lease was lost meanwhile.</summary>
    public void TookOver(int partition)
    {
        if (Interlocked.CompareExchange(ref _states[partition], Owned, Acquired) == Acquired)
        {
            Interlocked.Increment(ref _version);
        }
    }

    /// <summary>
    /// Gives back the leases of partitions being released of which nothing is held here any more; called by the reader
    /// between reads, so no entry of them is being read meanwhile.
    /// </summary>
    public async Task ReleaseDrainedAsync()
    {
        for (int i = 0; i < _states.Length; i++)
        {
            if (Volatile.Read(ref _states[i]) == Releasing && Volatile.Read(ref _held[i]) == 0)
            {
                await _consumer.Transport.Database.ScriptEvaluateAsync(ReleaseScript, [_keys[i + 1]], [_arguments[0]]).ConfigureAwait(false);
                if (Interlocked.CompareExchange(ref _states[i], Free, Releasing) == Releasing)
                {
                    Interlocked.Increment(ref _version);
                    RedisTransport.Log.PartitionReleased(_consumer.Transport.Logger, _consumer.Endpoint.Name, i, Volatile.Read(ref _live), _states.Length);
                }
            }
        }
    }

    /// <summary>Stops renewing and gives every lease and the membership back, so the other processes take the partitions at once.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        IDatabase database = _consumer.Transport.Database;
        try
        {
            for (int i = 0; i < _states.Length; i++)
            {
                // Every lease still this process's, whatever it thought of it (a compare and delete: never another's).
                Volatile.Write(ref _states[i], Free);
                await database.ScriptEvaluateAsync(ReleaseScript, [_keys[i + 1]], [_arguments[0]]).ConfigureAwait(false);
            }

            await database.ScriptEvaluateAsync(LeaveScript, [_keys[0]], [_arguments[0]]).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisTransport.IsConnectionFailure(ex))
        {
            // The leases run out by themselves after PartitionLeaseTime.
            RedisTransport.Log.LeaseFailed(_consumer.Transport.Logger, ex, _consumer.Endpoint.Name);
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        RedisTransport transport = _consumer.Transport;
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, transport.Disposed);
        TimeSpan every = transport.Options.PartitionLeaseTime / 3;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await TickAsync(transport.Database).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisTransport.IsConnectionFailure(ex) || ex is RedisServerException)
            {
                RedisTransport.Log.LeaseFailed(transport.Logger, ex, _consumer.Endpoint.Name);
            }

            try
            {
                await Task.Delay(every, transport.Time, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Renews, learns who holds what, drops leases lost, takes this process's share of free partitions and marks those above it for release.</summary>
    private async Task TickAsync(IDatabase database)
    {
        // Sent before Redis renews: the leases last at least the lease time from now (on this machine's clock).
        TimeProvider time = _consumer.Transport.Time;
        long sent = time.GetTimestamp();
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(TickScript, _keys, _arguments).ConfigureAwait(false))!;
        Volatile.Write(ref _validUntil, sent + (long)(_consumer.Transport.Options.PartitionLeaseTime.TotalSeconds * time.TimestampFrequency));
        long live = Math.Max(1, (long)result[0]);
        Volatile.Write(ref _live, live);
        int partitions = _states.Length;
        int share = (int)((partitions + live - 1) / live);
        bool changed = false;
        int holding = 0;
        for (int i = 0; i < partitions; i++)
        {
            int holder = (int)result[i + 1];
            int state = Volatile.Read(ref _states[i]);
            if (holder != 1 && state != Free)
            {
                Volatile.Write(ref _states[i], Free);
                changed = true;
                RedisTransport.Log.PartitionLost(_consumer.Transport.Logger, _consumer.Endpoint.Name, i);
            }
            else if (holder == 1 && state == Free && Volatile.Read(ref _held[i]) == 0)
            {
                // Leased by this process without knowing it (a SET whose reply was lost, or dropped when its lease ran out
                // here and renewed since): taken over like a fresh one, once the lanes let go of what they held of it.
                Volatile.Write(ref _states[i], Acquired);
                changed = true;
            }

            state = Volatile.Read(ref _states[i]);
            if (state is Acquired or Owned || (holder == 1 && state == Free))
            {
                holding++; // (leased here and waiting for the lanes to let go of it: taken over at a later renewal)
            }
        }

        for (int i = 0; i < partitions && holding < share; i++)
        {
            if (Interlocked.CompareExchange(ref _states[i], Owned, Releasing) == Releasing)
            {
                holding++; // the share grew again (a process left) before it was given back
                changed = true;
            }
        }

        for (int n = 0; n < partitions && holding < share; n++)
        {
            int i = (_first + n) % partitions;
            if ((int)result[i + 1] != 0 || Volatile.Read(ref _states[i]) != Free || Volatile.Read(ref _held[i]) != 0)
            {
                continue; // another's, or this process still holds entries of it from its lease before
            }

            if (await database.StringSetAsync(_keys[i + 1], _arguments[0], _consumer.Transport.Options.PartitionLeaseTime, When.NotExists).ConfigureAwait(false))
            {
                Volatile.Write(ref _states[i], Acquired);
                holding++;
                changed = true;
            }
        }

        for (int n = partitions - 1; n >= 0 && holding > share; n--)
        {
            int i = (_first + n) % partitions;
            if (Interlocked.CompareExchange(ref _states[i], Releasing, Owned) == Owned)
            {
                holding--;
                changed = true;
            }
        }

        if (changed)
        {
            Interlocked.Increment(ref _version);
            _consumer.Nudge();
        }
    }
}
