using System.Threading;
using System.Threading.Tasks;

// The topic tests' handlers: each handles every event its pattern matches, and records under its subscription's name.
namespace Contracts.Testing.Compliance;

/// <summary>Subscribed to <see cref="ComplianceEndpoints.OrdersOneLevel"/> by the topic tests (elsewhere: one subscription per event, not consumed on a broker).</summary>
internal sealed class OrdersOneLevelAudit(ComplianceProbe probe) : IEventHandler<TopicOrderPlaced>, IEventHandler<TopicOrderShipped>
{
    public ValueTask HandleAsync(TopicOrderPlaced @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.OrdersOneLevelAudit, @event.Id, context);
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(TopicOrderShipped @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.OrdersOneLevelAudit, @event.Id, context);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Subscribed to <see cref="ComplianceEndpoints.OrdersAllLevels"/> by the topic tests.</summary>
internal sealed class OrdersAllLevelsAudit(ComplianceProbe probe) :
    IEventHandler<TopicOrderPlaced>, IEventHandler<TopicOrderShipped>, IEventHandler<TopicReturnOpened>
{
    public ValueTask HandleAsync(TopicOrderPlaced @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.OrdersAllLevelsAudit, @event.Id, context);
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(TopicOrderShipped @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.OrdersAllLevelsAudit, @event.Id, context);
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(TopicReturnOpened @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.OrdersAllLevelsAudit, @event.Id, context);
        return ValueTask.CompletedTask;
    }
}
