using Contracts;

namespace ContractsService;

/// <summary>
/// Places one order when the service starts, to show the flow end to end (its handler, the event, the log line).
/// Replace it with what produces your messages: an HTTP endpoint, a timer, another service's events.
/// </summary>
public sealed class SampleOrders(IMessageBus bus, ILogger<SampleOrders> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var order = new PlaceOrder(Guid.NewGuid(), "sku-1", 2);
        await bus.SendAsync(order, cancellationToken: stoppingToken);
        logger.LogInformation("Sample order {OrderId} sent", order.OrderId);
    }
}
