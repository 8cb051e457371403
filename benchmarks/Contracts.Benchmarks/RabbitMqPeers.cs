using System.Threading.Tasks;
using MassTransit;

namespace Contracts.Benchmarks.RabbitMq.Peers;

// The same command, handler and work for the peers of the RabbitMQ suite.

/// <summary>MassTransit.RabbitMQ 8.5.12's side.</summary>
public sealed record MassTransitPing(long Sequence);

public sealed class MassTransitPingConsumer(BatchCompletion counter) : IConsumer<MassTransitPing>
{
    public Task Consume(ConsumeContext<MassTransitPing> context)
    {
        counter.Signal();
        return Task.CompletedTask;
    }
}

/// <summary>WolverineFx.RabbitMQ 6.62.0's side.</summary>
public sealed record WolverinePing(long Sequence);

public static class WolverinePingHandler
{
    public static void Handle(WolverinePing message, BatchCompletion counter) => counter.Signal();
}
