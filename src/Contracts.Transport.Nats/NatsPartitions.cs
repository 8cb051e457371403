using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Contracts.Transport.Nats;

/// <summary>
/// A keyed endpoint consumed in this process: a reader per partition whose lease this process holds
/// (<see cref="NatsPartitionLeases"/>), each feeding the endpoint's <see cref="NatsPartitionLanes"/> in stream order,
/// and the messages held here (read, not yet settled or left), kept alive and counted per partition.
/// </summary>
/// <remarks>
/// A reader starts by taking its partition over: it deletes the partition's durable consumer and creates it again.
/// The stream keeps a message until it is acknowledged (work-queue retention), and a work-queue consumer delivers
/// from the oldest message it holds, so the new consumer delivers, in stream order, first what the previous holder left
/// unacknowledged (read ahead, running, or held for a delayed retry when it stopped or died), then what came after.
/// JetStream would otherwise redeliver those only after <see cref="NatsTransportOptions.AckWait"/>, behind their keys'
/// later messages. A reader whose pull failed (the server restarted) takes over again once nothing of its partition is
/// held here, since the server may have handed the failed pull messages that never arrived.
/// </remarks>
internal sealed class NatsPartitions
{
    private static readonly NatsRawSerializer<NatsMemoryOwner<byte>> s_pooled = NatsRawSerializer<NatsMemoryOwner<byte>>.Default;

    private readonly NatsTransport _transport;
    private readonly string _stream;
    private readonly string[] _subjects;
    private readonly int _prefetch;
    private readonly ConcurrentDictionary<ulong, NatsPartitionDelivery> _held = new();
    private readonly int[] _heldCount;
    private readonly CancellationTokenSource?[] _reading;
    private readonly CancellationTokenSource?[] _pulls;
    private readonly Task[] _readers;

    public NatsPartitions(NatsTransport transport, TransportEndpoint endpoint, string[] subjects)
    {
        _transport = transport;
        Endpoint = endpoint;
        _stream = transport.Names.EndpointStream(endpoint.Name);
        _subjects = subjects;
        _prefetch = (int)Math.Clamp((long)endpoint.Options.MaxConcurrency * transport.Options.PrefetchPerConsumer, 16, 10_000);
        _heldCount = new int[subjects.Length];
        _reading = new CancellationTokenSource?[subjects.Length];
        _pulls = new CancellationTokenSource?[subjects.Length];
        _readers = new Task[subjects.Length];
        Array.Fill(_readers, Task.CompletedTask);
        Leases = new NatsPartitionLeases(transport, this, subjects.Length);
        Lanes = new NatsPartitionLanes(transport, this);
    }

    public TransportEndpoint Endpoint { get; }

    public NatsPartitionLeases Leases { get; }

    public NatsPartitionLanes Lanes { get; }

    /// <summary>How many messages of <paramref name="partition"/> are held here: read, and not yet settled or left.</summary>
    public int HeldOf(int partition) => Volatile.Read(ref _heldCount[partition]);

    /// <summary>Whether nothing of <paramref name="partition"/> is held here and its last reader here has ended: nothing more of it can be read or run here.</summary>
    public bool Idle(int partition) => HeldOf(partition) == 0 && Volatile.Read(ref _readers[partition]).IsCompleted;

    public void Start()
    {
        Lanes.Start();
        Leases.Start();
    }

    /// <summary>
    /// Starts reading <paramref name="partition"/> (called by the lease loops once they hold its lease), after its
    /// previous reader here ended; never once the transport is stopping. Only one lease transition at a time leads here
    /// for one partition (each is a compare-and-exchange of its state), so the chain of its readers is not raced.
    /// </summary>
    public void Read(int partition)
    {
        if (_transport.Stopping.IsCancellationRequested)
        {
            return;
        }

        var reading = CancellationTokenSource.CreateLinkedTokenSource(_transport.Stopping);
        Cancel(Interlocked.Exchange(ref _reading[partition], reading));
        Task previous = Volatile.Read(ref _readers[partition]);
        using (ExecutionContext.SuppressFlow())
        {
            Volatile.Write(ref _readers[partition], Task.Run(() => ReadAsync(partition, previous, reading), CancellationToken.None));
        }
    }

    /// <summary>Stops reading <paramref name="partition"/>: what its reader pulled and did not pass on stays unacknowledged for the next take-over.</summary>
    public void StopReading(int partition) => Cancel(Interlocked.Exchange(ref _reading[partition], null));

    /// <summary>
    /// The pulls' connection is open again: the server may have handed the pulls messages that never arrived, which it
    /// would deliver again only after AckWait, behind later ones. Each partition read here ends its pull and is taken
    /// over again once nothing of it is held here.
    /// </summary>
    public void Reconnected()
    {
        for (int i = 0; i < _pulls.Length; i++)
        {
            Cancel(Volatile.Read(ref _pulls[i]));
        }
    }

    private static void Cancel(CancellationTokenSource? reading)
    {
        try
        {
            reading?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Its reader ended already (the transport stopped) and disposed it.
        }
    }

    /// <summary>
    /// At a stop: no partition is taken or read again, the readers end (the transport's stop cancelled them), running
    /// handlers finish (their leases still renewed, so they are acknowledged), the rest is left unacknowledged, the server
    /// reads the acknowledgements, then the leases go.
    /// </summary>
    public async Task StopAsync()
    {
        await Leases.StopBalancingAsync().ConfigureAwait(false);
        await Task.WhenAll(_readers).ConfigureAwait(false);
        await Lanes.CloseAsync().ConfigureAwait(false);
        await _transport.TryFlushConsumingAsync().ConfigureAwait(false); // the next holders' consumers start past what was acknowledged
        await Leases.StopAsync().ConfigureAwait(false);
    }

    /// <summary>The message is settled or left: no longer held here, its payload returned to the pool.</summary>
    public void Release(NatsPartitionDelivery delivery)
    {
        if (_held.TryRemove(new KeyValuePair<ulong, NatsPartitionDelivery>(delivery.Sequence, delivery)))
        {
            Interlocked.Decrement(ref _heldCount[delivery.Partition]);
            delivery.Message.Data.Dispose();
        }
    }

    /// <summary>Tells the server that every message held here longer than <paramref name="olderThan"/> is still being worked on.</summary>
    public async Task KeepAliveAsync(TimeSpan olderThan)
    {
        foreach (KeyValuePair<ulong, NatsPartitionDelivery> held in _held)
        {
            NatsPartitionDelivery delivery = held.Value;
            if (!delivery.Settled && Stopwatch.GetElapsedTime(delivery.HeldSince) >= olderThan && Leases.Holds(delivery.Partition))
            {
                delivery.HeldSince = Stopwatch.GetTimestamp();
                await delivery.KeepAliveAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reads <paramref name="partition"/> while this process holds it: waits until nothing of it is held here and the
    /// server read the acknowledgements, takes it over (its consumer recreated, only while the lease is surely held), and
    /// passes what it delivers to the lanes in stream order. It never faults: a failure is logged and the partition
    /// taken over again a second later, since a reader that ended would leave a partition held and read by nobody.
    /// </summary>
    private async Task ReadAsync(int partition, Task previous, CancellationTokenSource cancellation)
    {
        using CancellationTokenSource owned = cancellation;
        CancellationToken reading = cancellation.Token;
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // ends when its lease or the transport stops
        NatsPartitionLeases leases = Leases;
        var opts = new NatsJSConsumeOpts { MaxMsgs = _prefetch, Expires = TimeSpan.FromSeconds(5) };
        while (!reading.IsCancellationRequested)
        {
            CancellationTokenSource? pull = null;
            try
            {
                // Only once nothing of the partition is held here, and the server read the acknowledgements sent: a new
                // consumer delivers again all that is unacknowledged.
                while (HeldOf(partition) != 0 || !await _transport.TryFlushConsumingAsync().ConfigureAwait(false))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), _transport.Time, reading).ConfigureAwait(false);
                }

                if (await TakeOverAsync(partition, reading).ConfigureAwait(false) is not { } consumer)
                {
                    return; // the lease is no longer surely this process's: the lease loops decide what comes next
                }

                leases.TookOver(partition);
                pull = CancellationTokenSource.CreateLinkedTokenSource(reading);
                Volatile.Write(ref _pulls[partition], pull);
                await foreach (INatsJSMsg<NatsMemoryOwner<byte>> msg in consumer.ConsumeAsync(s_pooled, opts, pull.Token).ConfigureAwait(false))
                {
                    if (reading.IsCancellationRequested)
                    {
                        msg.Data.Dispose(); // no longer this reader's: left unacknowledged for the partition's next reader
                        continue;
                    }

                    if (Admit(partition, msg) is { } delivery)
                    {
                        await Lanes.PostAsync(delivery).ConfigureAwait(false);
                    }
                }

                if (pull.IsCancellationRequested && !reading.IsCancellationRequested)
                {
                    NatsTransport.Log.PartitionRetaken(_transport.Logger, Endpoint.Name, partition); // the pull ended for a reconnect
                }
            }
            catch (Exception ex) when (reading.IsCancellationRequested)
            {
                if (ex is not OperationCanceledException)
                {
                    NatsTransport.Log.ConsumeFailed(_transport.Logger, ex, Endpoint.Name);
                }

                return;
            }
            catch (OperationCanceledException) when (pull is { IsCancellationRequested: true })
            {
                NatsTransport.Log.PartitionRetaken(_transport.Logger, Endpoint.Name, partition);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                NatsTransport.Log.ConsumeFailed(_transport.Logger, ex, Endpoint.Name);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _transport.Time, reading).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            finally
            {
                if (pull is not null)
                {
                    Interlocked.CompareExchange(ref _pulls[partition], null, pull);
                    pull.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// Deletes the partition's consumer and creates it again: it delivers every message still unacknowledged, in stream
    /// order. Each step only while this process surely holds the lease (a reader stopped late must not recreate the
    /// consumer another process now reads); <see langword="null"/> when it no longer does.
    /// </summary>
    private async Task<INatsJSConsumer?> TakeOverAsync(int partition, CancellationToken cancellationToken)
    {
        INatsJSContext js = _transport.JetStream;
        string name = NatsNames.PartitionConsumer(partition);
        if (!Leases.Holds(partition))
        {
            return null;
        }

        try
        {
            await js.DeleteConsumerAsync(_stream, name, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == NatsTransport.ConsumerNotFound)
        {
            // First read of the partition, or its last holder deleted it.
        }

        if (!Leases.Holds(partition) || cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        INatsJSConsumer created = await js.CreateConsumerAsync(_stream, new ConsumerConfig(name)
        {
            DurableName = name,
            Description = $"Contracts: partition {partition} of {Endpoint.Name}",
            FilterSubject = _subjects[partition],
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = _transport.Options.AckWait,
            MaxDeliver = -1,
            MaxAckPending = _prefetch,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All, // required on a work-queue stream: from its oldest message
        }, cancellationToken).ConfigureAwait(false);
        NatsTransport.Log.PartitionTaken(_transport.Logger, Endpoint.Name, partition, (long)created.Info.NumPending);

        // Pulled over the consuming connection, which a stop closes first.
        return await _transport.ConsumeJetStream.GetConsumerAsync(_stream, name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A delivery to hand to the lanes, or <see langword="null"/> for a second copy of one held here (the server's redelivery).</summary>
    private NatsPartitionDelivery? Admit(int partition, INatsJSMsg<NatsMemoryOwner<byte>> msg)
    {
        ulong sequence = msg.Metadata?.Sequence.Stream ?? 0;
        var delivery = new NatsPartitionDelivery(_transport, this, msg, partition, sequence);
        if (!_held.TryAdd(sequence, delivery))
        {
            msg.Data.Dispose();
            return null;
        }

        Interlocked.Increment(ref _heldCount[partition]);
        return delivery;
    }
}
