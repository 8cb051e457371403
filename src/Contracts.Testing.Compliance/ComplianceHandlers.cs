using System;
using System.Threading;
using System.Threading.Tasks;

// The suite's handlers: each records what it saw into the bus's probe. Internal, like the contracts.
namespace Contracts.Testing.Compliance;

internal sealed class PingHandler(ComplianceProbe probe) : ICommandHandler<Ping>
{
    public ValueTask HandleAsync(Ping command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.Ping, command.Id, context);
        return ValueTask.CompletedTask;
    }
}

internal sealed class PingedFirstHandler(ComplianceProbe probe) : IEventHandler<Pinged>
{
    public ValueTask HandleAsync(Pinged @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.PingedFirst, @event.Id, context);
        return ValueTask.CompletedTask;
    }
}

internal sealed class PingedSecondHandler(ComplianceProbe probe) : IEventHandler<Pinged>
{
    public ValueTask HandleAsync(Pinged @event, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.PingedSecond, @event.Id, context);
        return ValueTask.CompletedTask;
    }
}

internal sealed class EchoHandler(ComplianceProbe probe) : IQueryHandler<Echo, EchoReply>
{
    public ValueTask<EchoReply> HandleAsync(Echo query, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.Echo, query.Id, context);
        return ValueTask.FromResult(new EchoReply(query.Id, query.Value * 2));
    }
}

internal sealed class SlowEchoHandler(ComplianceProbe probe) : IQueryHandler<SlowEcho, EchoReply>
{
    public async ValueTask<EchoReply> HandleAsync(SlowEcho query, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.SlowEcho, query.Id, context);
        await Task.Delay(query.DelayMs, cancellationToken).ConfigureAwait(false);
        return new EchoReply(query.Id, query.Value * 2);
    }
}

internal sealed class LaterHandler(ComplianceProbe probe) : ICommandHandler<Later>
{
    public ValueTask HandleAsync(Later command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.Later, command.Id, context);
        return ValueTask.CompletedTask;
    }
}

internal sealed class PoisonHandler(ComplianceProbe probe) : ICommandHandler<Poison>
{
    public ValueTask HandleAsync(Poison command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.Poison, command.Id, context);
        if (!probe.Log.Healed.ContainsKey(command.Id))
        {
            throw new ComplianceFailureException(PoisonMessage(command.Id));
        }

        return ValueTask.CompletedTask;
    }

    public static string PoisonMessage(Guid id) => $"Poison {id} always fails.";
}

internal sealed class ParcelHandler(ComplianceProbe probe) : ICommandHandler<Parcel>
{
    public ValueTask HandleAsync(Parcel command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(ComplianceEndpoints.Parcel, command.Id, context);
        return ValueTask.CompletedTask;
    }
}

internal sealed class WorkHandler(ComplianceProbe probe) : ICommandHandler<Work>
{
    public async ValueTask HandleAsync(Work command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Log.EnterWork(probe.Bus);
        try
        {
            await Task.Delay(command.HoldMs, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            probe.Log.LeaveWork();
        }

        probe.Record(ComplianceEndpoints.Work, command.Id, context);
    }
}

internal sealed class BusyHandler(ComplianceProbe probe) : ICommandHandler<Busy>
{
    public const string Started = ComplianceEndpoints.Busy + ".started";
    public const string Done = ComplianceEndpoints.Busy + ".done";
    public const string Cancelled = ComplianceEndpoints.Busy + ".cancelled";

    public async ValueTask HandleAsync(Busy command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(Started, command.Id, context);
        try
        {
            await Task.Delay(command.HoldMs, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            probe.Record(Cancelled, command.Id, context);
            throw;
        }

        probe.Record(Done, command.Id, context);
    }
}

internal sealed class ParkedHandler(ComplianceProbe probe) : ICommandHandler<Parked>
{
    public const string Started = ComplianceEndpoints.Parked + ".started";

    public async ValueTask HandleAsync(Parked command, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Record(Started, command.Id, context);
        if (command.Block && probe.Log.HoldBlockers)
        {
            // Ends only when the bus gives up on its handlers: the stop's drain times out behind it.
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        probe.Record(ComplianceEndpoints.Parked, command.Id, context);
    }
}

/// <summary>What the suite's failing handler throws: a type no transport or runtime throws itself.</summary>
internal sealed class ComplianceFailureException(string message) : Exception(message);
