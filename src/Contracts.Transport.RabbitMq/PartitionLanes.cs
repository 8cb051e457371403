using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// The keyed lanes of one partitioned endpoint in this process (<see cref="KeyedLanes{TDelivery}"/>): MaxConcurrency
/// lanes fed in delivery order by the endpoint's consumers (one dispatch at a time). A held retry keeps its message
/// unacknowledged, so a crash or a stop gives it back to its partition queue at its place, and the next active consumer
/// (here after a restart, or another process) gets it first.
/// </summary>
internal sealed class PartitionLanes : KeyedLanes<RabbitMqDelivery>
{
    private readonly RabbitMqTransport _transport;
    private readonly TransportEndpoint _endpoint;

    public PartitionLanes(RabbitMqTransport transport, TransportEndpoint endpoint, TimeProvider time, CancellationToken stopping)
        : base(endpoint.Options.MaxConcurrency, time, stopping)
    {
        _transport = transport;
        _endpoint = endpoint;
        Start();
    }

    protected override ulong KeyOf(RabbitMqDelivery delivery) => delivery.Key;

    protected override async ValueTask RunAsync(RabbitMqDelivery delivery, Envelope? retry)
    {
        try
        {
            if (retry is null)
            {
                await _transport.DispatchAsync(_endpoint, delivery, partitioned: true).ConfigureAwait(false);
            }
            else
            {
                await _transport.ReceiveRetryAsync(_endpoint, retry, delivery).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _transport.NotSettled(ex, delivery, _endpoint);
        }
    }

    protected override ValueTask RanAsync(RabbitMqDelivery delivery) => AbandonAsync(delivery);

    protected override ValueTask GiveBackAsync(RabbitMqDelivery delivery) => AbandonAsync(delivery);

    /// <summary>Requeues a delivery not settled (the broker puts it back at its place) and ends its count as in flight.</summary>
    private async ValueTask AbandonAsync(RabbitMqDelivery delivery)
    {
        if (!delivery.Settled)
        {
            await delivery.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _transport.Finished();
    }
}
