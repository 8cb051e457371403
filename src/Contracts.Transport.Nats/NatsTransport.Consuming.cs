using System;
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
/// Consuming: per endpoint, a reader per durable consumer (the endpoint's own, and for an event subscription its
/// consumer on the event stream) feeding <see cref="EndpointOptions.MaxConcurrency"/> workers; each delivery handed to
/// the runtime and settled after it.
/// </summary>
internal sealed partial class NatsTransport
{
    private static readonly NatsRawSerializer<NatsMemoryOwner<byte>> s_pooled = NatsRawSerializer<NatsMemoryOwner<byte>>.Default;

    /// <summary>What one endpoint's readers and workers share: the hand-over queue and the deliveries in the workers' hands.</summary>
    private sealed class EndpointWork(TransportEndpoint endpoint, int prefetch)
    {
        public TransportEndpoint Endpoint { get; } = endpoint;

        public Channel<INatsJSMsg<NatsMemoryOwner<byte>>> Queue { get; } = Channel.CreateBounded<INatsJSMsg<NatsMemoryOwner<byte>>>(
            new BoundedChannelOptions(prefetch) { SingleReader = endpoint.Options.MaxConcurrency == 1, FullMode = BoundedChannelFullMode.Wait });

        /// <summary>One slot per worker: the delivery it is handling, kept alive by <see cref="KeepInProgressAsync"/>.</summary>
        public NatsDelivery?[] InHand { get; } = new NatsDelivery?[endpoint.Options.MaxConcurrency];
    }

    /// <summary>Declares the endpoint's stream and consumers, then starts its readers and workers.</summary>
    private async Task ConsumeAsync(TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        await DeclareEndpointStreamAsync(endpoint, cancellationToken).ConfigureAwait(false);
        int concurrency = endpoint.Options.MaxConcurrency;
        int prefetch = (int)Math.Clamp((long)concurrency * _options.PrefetchPerConsumer, 1, MaxAckPending / 2);
        var work = new EndpointWork(endpoint, prefetch);
        await DeclareConsumerAsync(Names.EndpointStream(endpoint.Name), WorkerConfig(), cancellationToken).ConfigureAwait(false);
        INatsJSConsumer worker = await ConsumeJetStream.GetConsumerAsync(Names.EndpointStream(endpoint.Name), NatsNames.WorkerConsumer, cancellationToken).ConfigureAwait(false);
        INatsJSConsumer? subscription = null;
        if (endpoint.Contract.Kind == MessageKind.Event)
        {
            ConsumerConfig config = SubscriptionConfig(endpoint);
            await DeclareConsumerAsync(Names.EventStream, config, cancellationToken).ConfigureAwait(false);
            subscription = await ConsumeJetStream.GetConsumerAsync(Names.EventStream, config.Name!, cancellationToken).ConfigureAwait(false);
        }

        _work.Add(work);
        using (ExecutionContext.SuppressFlow())
        {
            _readers.Add(Task.Run(() => ReadAsync(worker, work, prefetch), CancellationToken.None));
            if (subscription is not null)
            {
                _readers.Add(Task.Run(() => ReadAsync(subscription, work, prefetch), CancellationToken.None));
            }

            for (int slot = 0; slot < concurrency; slot++)
            {
                int mine = slot;
                _workers.Add(Task.Run(() => WorkAsync(work, mine), CancellationToken.None));
            }
        }
    }

    /// <summary>Pulls from <paramref name="consumer"/> until the transport stops; a failed pull (the server restarting) starts again.</summary>
    private async Task ReadAsync(INatsJSConsumer consumer, EndpointWork work, int prefetch)
    {
        // DrainOnCancel: at a stop the client stops pulling and still yields what the server sent. Those are given back
        // only once the pull has ended: a nak while it is open is redelivered to it at once, and lost with it. A short
        // expiry bounds how long a pull request of a process that went away can take deliveries nobody reads.
        var opts = new NatsJSConsumeOpts { MaxMsgs = prefetch, DrainOnCancel = true, Expires = TimeSpan.FromSeconds(5) };
        List<INatsJSMsg<NatsMemoryOwner<byte>>>? left = null;
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    await foreach (INatsJSMsg<NatsMemoryOwner<byte>> msg in consumer.ConsumeAsync(s_pooled, opts, _stopping.Token).ConfigureAwait(false))
                    {
                        if (_stopping.IsCancellationRequested)
                        {
                            (left ??= []).Add(msg);
                            continue;
                        }

                        await work.Queue.Writer.WriteAsync(msg, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is NatsException or ChannelClosedException)
                {
                    if (_stopping.IsCancellationRequested)
                    {
                        return;
                    }

                    Log.ConsumeFailed(_logger, ex, work.Endpoint.Name);
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), _time, _stopping.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            if (left is not null)
            {
                foreach (INatsJSMsg<NatsMemoryOwner<byte>> msg in left)
                {
                    GiveBack(msg);
                }
            }
        }
    }

    /// <summary>One worker: hands deliveries to the runtime one at a time until the queue is closed at a stop.</summary>
    private async Task WorkAsync(EndpointWork work, int slot)
    {
        TransportEndpoint endpoint = work.Endpoint;
        ITransportReceiver receiver = _context!.Receiver;
        ChannelReader<INatsJSMsg<NatsMemoryOwner<byte>>> queue = work.Queue.Reader;
        while (await queue.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (queue.TryRead(out INatsJSMsg<NatsMemoryOwner<byte>>? msg))
            {
                if (_stopping.IsCancellationRequested)
                {
                    GiveBack(msg);
                    continue;
                }

                var control = new NatsDelivery(this, msg, endpoint, Stopwatch.GetTimestamp());
                Volatile.Write(ref work.InHand[slot], control);
                try
                {
                    await receiver.ReceiveAsync(endpoint, new NatsHeaderAdapter(msg.Headers ?? []), msg.Data.Memory, control, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Not settled (the bus is stopping, or the server failed under a dead letter): it is delivered again.
                    Log.NotSettled(_logger, ex, MessageIdOf(msg), endpoint.Name);
                }
                finally
                {
                    Volatile.Write(ref work.InHand[slot], null);
                    if (!control.Settled)
                    {
                        await control.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
                    }

                    if (!control.GivenBack)
                    {
                        msg.Data.Dispose();
                    }
                }
            }
        }
    }

    /// <summary>A delivery no handler finished while the bus stops: given back once the pulls' connection is closed (see <see cref="StopAsync"/>).</summary>
    private void GiveBack(INatsJSMsg<NatsMemoryOwner<byte>> msg) => _giveBack.Enqueue(msg);

    /// <summary>Acknowledges or gives back; while stopping, a give-back waits for the stop (its payload is then kept until it is sent).</summary>
    /// <returns>Whether the message was queued to be given back at the stop.</returns>
    internal async ValueTask<bool> SettleAsync(INatsJSMsg<NatsMemoryOwner<byte>> msg, bool acknowledge, string endpoint)
    {
        if (!acknowledge && _stopping.IsCancellationRequested)
        {
            GiveBack(msg);
            return true;
        }

        try
        {
            if (acknowledge)
            {
                await msg.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await msg.NakAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex) || ex is ObjectDisposedException)
        {
            // The connection is gone: the server delivers it again after AckWait; an endpoint with an inbox drops the
            // repeat of work it finished.
            Log.SettleLost(_logger, ex, MessageIdOf(msg), endpoint);
        }

        return false;
    }

    /// <summary>
    /// Every third of <see cref="NatsTransportOptions.AckWait"/>: tells the server that each delivery a handler has held
    /// longer than that is still being worked on, so a long handler is not redelivered elsewhere while it runs.
    /// </summary>
    private async Task KeepInProgressAsync()
    {
        TimeSpan every = _options.AckWait / 3;
        using var timer = new PeriodicTimer(every, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token).ConfigureAwait(false))
            {
                foreach (EndpointWork work in _work)
                {
                    foreach (NatsDelivery? delivery in work.InHand)
                    {
                        if (delivery is { Settled: false } held && Stopwatch.GetElapsedTime(held.Started) >= every)
                        {
                            await held.KeepAliveAsync().ConfigureAwait(false);
                        }
                    }
                }

                foreach (NatsPartitions partitions in _partitioned)
                {
                    await partitions.KeepAliveAsync(every).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            // Disposed: nothing is being handled any more.
        }
    }

    private static string? MessageIdOf(INatsJSMsg<NatsMemoryOwner<byte>> msg) =>
        msg.Headers is { } headers && headers.TryGetLastValue(EnvelopeHeaders.MessageId, out string? id) ? id : null;
}
