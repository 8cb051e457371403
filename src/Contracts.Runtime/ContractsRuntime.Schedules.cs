using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Scheduling;
using Contracts.Storage;

namespace Contracts;

/// <summary>The schedule runner's place in the bus: made when the store keeps schedules, started after the store opens.</summary>
internal sealed partial class ContractsRuntime
{
    private ScheduleRunner? _scheduleRunner;
    private MessageScheduler? _messageScheduler;

    /// <summary>
    /// Whether the store has the schedule role. A bus with declared schedules needs it and says so now, naming the store;
    /// without any, a store that lacks the role (an application's own) simply runs no schedules.
    /// </summary>
    private static bool KeepsSchedules(IMessageStore store, ContractsOptions options)
    {
        if (options.Schedules.Declared.Count > 0)
        {
            _ = store.Schedules;
            return true;
        }

        try
        {
            _ = store.Schedules;
            return true;
        }
        catch (NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Runs the schedules of this bus's store (none when the store keeps none).</summary>
    private void CreateScheduleRunner()
    {
        if (KeepsSchedules(_store, _options))
        {
            _scheduleRunner = new ScheduleRunner(this, _options.Schedules, _logger);
            _messageScheduler = new MessageScheduler(this, _scheduleRunner, _options.Schedules);
        }
    }

    /// <summary>The run-time scheduler (<see cref="IMessageScheduler"/>).</summary>
    /// <exception cref="NotSupportedException">The store keeps no schedules.</exception>
    public IMessageScheduler Scheduler => _messageScheduler ?? throw new NotSupportedException(
        $"The store {_store.GetType().Name} keeps no schedules: use the in-memory, SQLite or PostgreSQL store to schedule commands.");

    /// <summary>The runner, for tests that fire due schedules without waiting for a poll.</summary>
    internal ScheduleRunner? ScheduleRunner => _scheduleRunner;

    /// <summary>Writes the declared schedules (a failure fails the start), then starts the runner.</summary>
    private async Task StartSchedulesAsync(CancellationToken stop, CancellationToken cancellationToken)
    {
        if (_scheduleRunner is not { } runner)
        {
            return;
        }

        await runner.DeclareAsync(cancellationToken).ConfigureAwait(false);
        using (ExecutionContext.SuppressFlow())
        {
            _background.Add(Task.Run(() => runner.RunAsync(stop), CancellationToken.None));
        }
    }
}
