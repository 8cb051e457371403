using System;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// The acknowledgements of a channel whose deliveries are handled one at a time, in order (an endpoint with
/// MaxConcurrency 1): when delivery N is acknowledged every delivery before it has been settled already, so one
/// <c>basic.ack</c> with <c>multiple</c> set stands for all the acknowledgements made since the last one went out. The
/// first acknowledgement after one went out queues a flush to the thread pool; those made until it runs (while the
/// consumer goes on with the deliveries already prefetched) go out with it. A single flush runs at a time, so the
/// broker sees the tags increase. An acknowledgement not yet sent when the channel closes is one the broker never
/// got: it delivers the message again, as after any lost acknowledgement; a stop sends them first (<see cref="DrainAsync"/>).
/// </summary>
internal sealed class OrderedAcks(RabbitMqTransport transport, IChannel channel, string endpoint)
{
    private ulong _highest; // the newest delivery tag acknowledged
    private ulong _sent;    // the newest one the broker was sent (by the flush only)
    private int _scheduled; // 1 while a flush is queued or running
    private Task _flushing = Task.CompletedTask;

    public IChannel Channel => channel;

    /// <summary>Acknowledges <paramref name="deliveryTag"/> and every delivery before it, soon.</summary>
    public void Acknowledge(ulong deliveryTag)
    {
        // Tags increase: deliveries are settled one at a time, in the order they came.
        Volatile.Write(ref _highest, deliveryTag);
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static acks => acks._flushing = acks.FlushAsync(), this, preferLocal: true);
        }
    }

    /// <summary>Sends what is acknowledged and not sent yet; for a stop.</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            await Volatile.Read(ref _flushing).ConfigureAwait(false);
            if (Volatile.Read(ref _highest) == Volatile.Read(ref _sent) || !channel.IsOpen)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
            {
                await FlushAsync().ConfigureAwait(false);
            }
            else
            {
                await Task.Yield(); // a flush is queued and not started: it runs soon
            }
        }
    }

    private async Task FlushAsync()
    {
        do
        {
            ulong tag = Volatile.Read(ref _highest);
            try
            {
                if (tag != _sent)
                {
                    await transport.SettleAsync(channel, tag, acknowledge: true, endpoint, multiple: true).ConfigureAwait(false);
                }
            }
            finally
            {
                // Even when the client threw (connection failures it does not: SettleAsync logs them), the next
                // acknowledgement must find no flush scheduled, or none would ever go out again.
                Volatile.Write(ref _sent, tag);

                // An acknowledgement made after the read above either saw no flush scheduled (and queued one) or is seen here.
                Interlocked.Exchange(ref _scheduled, 0);
            }
        }
        while (Volatile.Read(ref _highest) != _sent && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0);
    }
}
