using System.Threading;
using System.Threading.Tasks;
using Contracts.Scheduling;

namespace Contracts;

/// <summary>The schedule runner's place in the bus: made with the bus (every store keeps schedules), started after the store opens.</summary>
internal sealed partial class ContractsRuntime
{
    /// <summary>Fires the due schedules of this bus's store.</summary>
    internal ScheduleRunner ScheduleRunner { get; }

    /// <summary>The run-time scheduler (<see cref="IMessageScheduler"/>).</summary>
    public IMessageScheduler Scheduler { get; }

    /// <summary>Writes the declared schedules (a failure fails the start), then starts the runner.</summary>
    private async Task StartSchedulesAsync(CancellationToken stop, CancellationToken cancellationToken)
    {
        await ScheduleRunner.DeclareAsync(cancellationToken).ConfigureAwait(false);
        using (ExecutionContext.SuppressFlow())
        {
            _background.Add(Task.Run(() => ScheduleRunner.RunAsync(stop), CancellationToken.None));
        }
    }
}
