using System;

namespace Contracts;

/// <summary>
/// Settings of the Redis Streams transport. Endpoint settings mean on Redis: <see cref="EndpointOptions.MaxConcurrency"/>
/// handlers at once per process, reading up to <see cref="PrefetchPerConsumer"/> times that many entries ahead;
/// <see cref="EndpointOptions.FullMode"/> must be <see cref="EndpointFullMode.Wait"/> (a stream is not bounded: Redis
/// buffers in memory, and trimming only removes entries every consumer group is done with);
/// <see cref="EndpointOptions.MaxPriority"/> is not honoured (a stream is FIFO). An endpoint whose contract has a
/// <see cref="PartitionKeyAttribute"/> member is split in <see cref="Partitions"/> streams, each consumed by one process
/// at a time, so its messages are handled in send order per key across competing processes.
/// </summary>
public sealed class RedisTransportOptions : TransportOptions
{
    /// <summary>The server, as a StackExchange.Redis configuration string. Default <c>127.0.0.1:6379</c>.</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>The prefix of every key and channel the transport uses (<c>{prefix}:{endpoint}</c>). Default <c>contracts</c>.</summary>
    public string Prefix { get; set; } = "contracts";

    /// <summary>The client name shown by <c>CLIENT LIST</c>. Default: <c>contracts</c> and the process name.</summary>
    public string? ConnectionName { get; set; }

    /// <summary>How many entries each concurrent handler of an endpoint reads ahead. Default 16.</summary>
    public int PrefetchPerConsumer { get; set; } = 16;

    /// <summary>
    /// How long an entry may stay delivered and unacknowledged before another consumer takes it over (<c>XAUTOCLAIM</c>
    /// with this minimum idle time): the work of a process that died is handled again after this long. A consumer
    /// keeps the entries it still holds fresh (<c>XCLAIM ... JUSTID</c> every third of it), so a slow handler is not
    /// taken over. Default 30 seconds.
    /// </summary>
    public TimeSpan ClaimIdleTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest an idle consumer waits before reading its streams again when no nudge arrived (producers publish
    /// one after every add; this bounds the latency when a nudge is lost, for example across a reconnect). Default 1 second.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often each consumed stream is trimmed (<c>XTRIM MINID</c>) below the oldest entry some consumer group still
    /// needs: its oldest pending entry, or the last one it was given. Entries not yet read or not yet acknowledged by
    /// every group are never trimmed. Default 10 seconds.
    /// </summary>
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most a send takes before it throws <see cref="TimeoutException"/>, retries while the connection is lost
    /// included (a retried add may add a second copy: the consumer's inbox drops it). Default 30 seconds.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many partition streams an endpoint whose contract has a <see cref="PartitionKeyAttribute"/> member gets:
    /// <c>{prefix}:{endpoint}.p0</c> to <c>.p{N-1}</c>, a message going to the one its key's hash picks. Each is
    /// consumed by one process at a time (the holder of its lease, see <see cref="PartitionLeaseTime"/>), so it bounds
    /// how many processes share the endpoint's work. Every process of one prefix must use the same number: a consumer
    /// started with another one than the endpoint's partitions were made with is refused at start, and a sender with
    /// another one puts a key's messages in another partition than its earlier ones, out of their order. Default 16.
    /// </summary>
    public int Partitions { get; set; } = 16;

    /// <summary>
    /// How long a process holds a partition of a keyed endpoint without renewing its lease (it renews every third of
    /// it): a process that dies leaves its partitions to the others after this long, and one stalled longer than this
    /// (a pause of the whole process, a lost connection) loses them while its handlers may still run, the one case in
    /// which a key's order can break. Default 10 seconds.
    /// </summary>
    public TimeSpan PartitionLeaseTime { get; set; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Configuration);
        ArgumentException.ThrowIfNullOrEmpty(Prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(PrefetchPerConsumer, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ClaimIdleTime, TimeSpan.FromMilliseconds(100));
        ArgumentOutOfRangeException.ThrowIfLessThan(PollInterval, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(TrimInterval, TimeSpan.FromMilliseconds(100));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SendTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(Partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Partitions, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(PartitionLeaseTime, TimeSpan.FromMilliseconds(300));
    }
}
