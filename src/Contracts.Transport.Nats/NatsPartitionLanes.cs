using System;
using System.Threading.Tasks;

namespace Contracts.Transport.Nats;

/// <summary>
/// The keyed lanes of one keyed endpoint in this process (<see cref="KeyedLanes{TDelivery}"/>): MaxConcurrency lanes fed
/// in stream order by the readers of the partitions held here. A message a lane does not run (the bus stops, or the
/// partition's lease was lost) is left unacknowledged at its place, and the partition's next holder gets it first.
/// </summary>
internal sealed class NatsPartitionLanes(NatsTransport transport, NatsPartitions partitions)
    : KeyedLanes<NatsPartitionDelivery>(partitions.Endpoint.Options.MaxConcurrency, transport.Time, transport.Stopping)
{
    protected override ulong KeyOf(NatsPartitionDelivery delivery) => delivery.Key;

    protected override async ValueTask RunAsync(NatsPartitionDelivery delivery, Envelope? retry)
    {
        TransportEndpoint endpoint = partitions.Endpoint;
        try
        {
            if (retry is null)
            {
                await transport.Context.Receiver.ReceiveAsync(
                    endpoint, new NatsHeaderAdapter(delivery.Message.Headers ?? []), delivery.Message.Data.Memory, delivery, transport.Stopping).ConfigureAwait(false);
            }
            else
            {
                await transport.Context.Receiver.ReceiveAsync(endpoint, retry, delivery).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not settled (the bus is stopping, or the server failed under a dead letter): left unacknowledged below.
            NatsTransport.Log.NotSettled(transport.Logger, ex, delivery.Message.Headers?.TryGetLastValue(EnvelopeHeaders.MessageId, out string? id) == true ? id : null, endpoint.Name);
        }
    }

    /// <summary>
    /// The run is over. One the core did not settle stays unacknowledged: the server delivers it again after AckWait
    /// (here, after its key's later messages) or to the partition's next holder (first).
    /// </summary>
    protected override ValueTask RanAsync(NatsPartitionDelivery delivery)
    {
        partitions.Release(delivery);
        return ValueTask.CompletedTask;
    }

    /// <summary>Left unacknowledged at its place, for the partition's next holder (another process, or this one after a restart).</summary>
    protected override ValueTask GiveBackAsync(NatsPartitionDelivery delivery)
    {
        partitions.Release(delivery);
        return ValueTask.CompletedTask;
    }

    protected override bool MayRun(NatsPartitionDelivery delivery) => partitions.Leases.Holds(delivery.Partition);
}
