using System;
using System.Threading.Tasks;

namespace Contracts.Transport.Redis;

/// <summary>
/// The keyed lanes of one partitioned endpoint in this process (<see cref="KeyedLanes{TDelivery}"/>): MaxConcurrency
/// lanes fed in stream order by the endpoint's reader. A held retry keeps its entry pending, so a crash or a stop leaves
/// it at its place, ahead of its key's later entries, and the partition's next holder takes it first. An entry of a
/// partition whose lease this process lost is not run: it is left pending for the new holder.
/// </summary>
internal sealed class PartitionLanes(StreamConsumer consumer, PartitionLeases leases)
    : KeyedLanes<RedisDelivery>(consumer.Endpoint.Options.MaxConcurrency, consumer.Transport.Time, consumer.Transport.Stopping)
{
    protected override ulong KeyOf(RedisDelivery delivery) => delivery.Key;

    protected override async ValueTask RunAsync(RedisDelivery delivery, Envelope? retry)
    {
        RedisTransport transport = consumer.Transport;
        try
        {
            if (retry is null)
            {
                await transport.Context.Receiver.ReceiveAsync(consumer.Endpoint, delivery.Headers, delivery.Headers.Body, delivery, transport.Stopping).ConfigureAwait(false);
            }
            else
            {
                await transport.Context.Receiver.ReceiveAsync(consumer.Endpoint, retry, delivery).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not settled (the bus is stopping, or Redis failed under a dead letter): handed back after the run, counted.
            RedisTransport.Log.NotSettled(transport.Logger, ex, delivery.Id.ToString(), consumer.Endpoint.Name);
        }
    }

    /// <summary>An entry the run did not settle goes back pending, its delivery counted.</summary>
    protected override ValueTask RanAsync(RedisDelivery delivery) =>
        delivery.Settled ? ValueTask.CompletedTask : delivery.HandBackAsync(delivery.DeliveryCount);

    /// <summary>An entry that did not run stays pending, its delivery not counted.</summary>
    protected override ValueTask GiveBackAsync(RedisDelivery delivery) => delivery.HandBackAsync(delivery.DeliveryCount - 1);

    protected override bool MayRun(RedisDelivery delivery) => leases.Holds(delivery.Partition);

    /// <summary>Another process holds the partition now and takes the entry over in order.</summary>
    protected override ValueTask LeaveAsync(RedisDelivery delivery)
    {
        delivery.LeavePending();
        return ValueTask.CompletedTask;
    }
}
