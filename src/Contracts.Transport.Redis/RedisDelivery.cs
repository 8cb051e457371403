using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// One stream entry delivered to this process's consumer, and how it is settled: an <c>XACK</c>; a copy to the
/// endpoint's dead-letter stream or back onto the endpoint's own stream, in one <c>MULTI</c> with the <c>XACK</c>.
/// </summary>
internal sealed class RedisDelivery : IDeliveryControl
{
    private readonly StreamConsumer _consumer;
    private int _settled;

    public RedisDelivery(StreamConsumer consumer, RedisKey stream, StreamEntry entry, int pendingDeliveries, int partition)
    {
        _consumer = consumer;
        Stream = stream;
        Id = entry.Id;
        Headers = StreamFields.Read(entry.Values);
        PendingDeliveries = Math.Max(1, pendingDeliveries);
        DeliveryCount = (int)Math.Min(int.MaxValue, (long)Headers.Prior + PendingDeliveries);
        HeldSince = consumer.Transport.Time.GetTimestamp();
        Partition = partition;
        if (partition >= 0)
        {
            Lanes = consumer.Lanes;
        }
    }

    /// <summary>The partition of a partitioned endpoint's entry, -1 otherwise.</summary>
    public int Partition { get; }

    /// <summary>The partition key hash of a partitioned endpoint's entry (0 otherwise): its lane.</summary>
    public ulong Key => Headers.Key;

    /// <summary>The lanes of a partitioned endpoint: a delayed retry is held there, the entry pending, instead of scheduled by the store.</summary>
    public PartitionLanes? Lanes { get; }

    /// <summary>A partitioned endpoint's delivery keeps its delayed retry in its lane (see <see cref="PartitionLanes"/>).</summary>
    public bool HoldsRetries => Lanes is not null;

    /// <summary>The entry's delivery count in the group's pending list when it was read or claimed.</summary>
    private int PendingDeliveries { get; }

    /// <summary>The stream the entry is in.</summary>
    public RedisKey Stream { get; }

    /// <summary>The entry's id in <see cref="Stream"/>.</summary>
    public RedisValue Id { get; }

    /// <summary>The entry's fields, read.</summary>
    public StreamFields Headers { get; }

    private NameValueEntry[] Fields => Headers.Fields;

    /// <summary>When this process last told Redis it still holds the entry (see <see cref="StreamConsumer"/>'s keep-alive).</summary>
    public long HeldSince { get; set; }

    /// <summary>
    /// This delivery and the earlier ones that did not finish: the entry's delivery count in the group's pending list
    /// (Redis counts every read and every claim, so a delivery that took its process down is counted), plus those of
    /// earlier copies of the message (<see cref="StreamFields.PriorDeliveries"/>), which an abandoned delivery leaves.
    /// </summary>
    public int DeliveryCount { get; }

    /// <summary>Whether the delivery is settled; one that is not when its handling returns is handed back.</summary>
    public bool Settled => Volatile.Read(ref _settled) != 0;

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return;
        }

        try
        {
            await _consumer.Transport.Database.StreamAcknowledgeAsync(Stream, _consumer.Group, Id).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisTransport.IsConnectionFailure(ex))
        {
            // The entry stays pending: another consumer (or this one) takes it over after ClaimIdleTime, and an endpoint
            // with an inbox drops the repeat of work it finished.
            _consumer.SettleLost(this, ex);
            return;
        }

        _consumer.Release(this);
    }

    /// <summary>The core did not handle it (the bus is stopping): back onto the endpoint's stream, this delivery not counted.</summary>
    public ValueTask AbandonAsync(CancellationToken cancellationToken) => HandBackAsync(DeliveryCount - 1);

    /// <summary>The failure with the entry's fields into the endpoint's dead-letter stream, and the acknowledgement, at once.</summary>
    public async ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        RedisTransport transport = _consumer.Transport;
        letter.Id = transport.NextDeadLetterId();
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            // Completed first (an at-most-once endpoint): the letter is all that is left to keep.
            await transport.DeadLetters.AddAsync(letter, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            ITransaction move = transport.Database.CreateTransaction();
            Task<RedisValue> added = move.StreamAddAsync(transport.DeadLetterStreamOf(_consumer.Endpoint.Name), StreamFields.WithFailure(Fields, letter));
            Task<long> acknowledged = move.StreamAcknowledgeAsync(Stream, _consumer.Group, Id);
            await move.ExecuteAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(added, acknowledged).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Volatile.Write(ref _settled, 0); // not moved: the caller's failure leaves it to be handed back or taken over
            throw;
        }

        _consumer.Release(this);
    }

    /// <summary>
    /// A partitioned endpoint's delayed retry: held by its lane, the entry still pending (see <see cref="PartitionLanes"/>).
    /// Not offered otherwise: the transport has no <see cref="TransportCapabilities.NativeDelay"/>, so the core
    /// schedules retries in its store.
    /// </summary>
    public ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken)
    {
        if (Lanes is not { } lanes)
        {
            return ValueTask.FromException(new NotSupportedException("The Redis transport has no native delay: the bus schedules delayed retries through its store."));
        }

        lanes.Hold(this, retry);
        return ValueTask.CompletedTask;
    }

    /// <summary>Lets go of a partitioned endpoint's entry without settling it: it stays pending, for the partition's holder to take over in order.</summary>
    public void LeavePending()
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _consumer.Release(this);
        }
    }

    /// <summary>
    /// A copy onto the endpoint's own stream (so only this endpoint's group gets it again, even for an event) carrying
    /// <paramref name="prior"/> deliveries, and the acknowledgement of this entry, in one <c>MULTI</c>; when Redis cannot
    /// be reached the entry stays pending and is taken over after <see cref="RedisTransportOptions.ClaimIdleTime"/>.
    /// </summary>
    public async ValueTask HandBackAsync(int prior)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return;
        }

        RedisTransport transport = _consumer.Transport;
        if (Partition >= 0)
        {
            await LeavePendingAsync(prior).ConfigureAwait(false);
            return;
        }

        try
        {
            ITransaction back = transport.Database.CreateTransaction();
            Task<RedisValue> added = back.StreamAddAsync(_consumer.Direct.Stream, StreamFields.WithPriorDeliveries(Fields, Math.Max(0, prior)));
            Task<long> acknowledged = back.StreamAcknowledgeAsync(Stream, _consumer.Group, Id);
            await back.ExecuteAsync().ConfigureAwait(false);
            await Task.WhenAll(added, acknowledged).ConfigureAwait(false);
            RedisTransport.Nudge(transport.Database, _consumer.Direct.Nudge);
        }
        catch (Exception ex) when (RedisTransport.IsConnectionFailure(ex))
        {
            _consumer.SettleLost(this, ex);
            return;
        }

        _consumer.Release(this);
    }

    /// <summary>
    /// A partitioned endpoint's entry is not copied to the back of a stream (it would go behind its key's later
    /// entries): it stays pending at its place, and the partition's next holder (another process, or this one after a
    /// restart) takes it over before anything newer. Its delivery count is set to the <paramref name="prior"/>
    /// deliveries that count (<c>XCLAIM ... RETRYCOUNT</c>), so a hand-back at a stop is not counted against it.
    /// </summary>
    private async ValueTask LeavePendingAsync(int prior)
    {
        RedisTransport transport = _consumer.Transport;
        int count = Math.Max(0, prior - Headers.Prior);
        if (count != PendingDeliveries)
        {
            try
            {
                await transport.Database.ExecuteAsync(
                    "XCLAIM", Stream, _consumer.Group, transport.ConsumerName, 0, Id, "RETRYCOUNT", count, "JUSTID").ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisTransport.IsConnectionFailure(ex))
            {
                // Left pending with one delivery more counted.
                RedisTransport.Log.SettleLost(transport.Logger, ex, Id.ToString(), _consumer.Endpoint.Name);
            }
        }

        _consumer.Release(this);
    }
}
