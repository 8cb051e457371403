using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Scheduling;

/// <summary>The run-time scheduler: writes schedules to the store's schedule role and wakes this bus's runner.</summary>
internal sealed class MessageScheduler(ContractsRuntime runtime, ScheduleRunner runner, ScheduleOptions options) : IMessageScheduler
{
    public async ValueTask<DateTimeOffset> ScheduleAsync<TCommand>(string id, Schedule schedule, TCommand command, MissedFirings missed = MissedFirings.FireOnce, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>
    {
        ScheduleIds.Validate(id);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(command);
        if (!Enum.IsDefined(missed))
        {
            throw new ArgumentOutOfRangeException(nameof(missed), missed, $"Schedule '{id}': {missed} is not a MissedFirings value.");
        }

        IScheduleStore store = await StoreAsync(TCommand.Contract).ConfigureAwait(false);
        ContractDescriptor contract = TCommand.Contract;
        ReadOnlyMemory<byte> payload = runtime.Bus.CreateOutboxRecord(contract, command, null).Payload;
        DateTimeOffset now = runtime.Time.GetUtcNow();
        DateTimeOffset due = schedule.FirstDue(now);
        var record = new ScheduleRecord(id, contract.Name, contract.Version, payload, schedule.Spec, due, missed, options.MaxCatchUpFirings, now);
        await store.SaveAsync(record, keepDue: false, cancellationToken).ConfigureAwait(false);
        if (due - now < options.PollInterval)
        {
            runner.Wake();
        }

        return due;
    }

    public async ValueTask<string> SendAtAsync<TCommand>(TCommand command, DateTimeOffset at, string? id = null, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>
    {
        id ??= Guid.NewGuid().ToString("N");
        await ScheduleAsync(id, Schedule.At(at), command, MissedFirings.FireOnce, cancellationToken).ConfigureAwait(false);
        return id;
    }

    public async ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        IScheduleStore store = await StoreAsync(null).ConfigureAwait(false);
        return await store.CancelAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ScheduledCommand?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        IScheduleStore store = await StoreAsync(null).ConfigureAwait(false);
        return await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } record ? Show(record) : null;
    }

    public async ValueTask<IReadOnlyList<ScheduledCommand>> ListAsync(int offset = 0, int limit = 100, CancellationToken cancellationToken = default)
    {
        IScheduleStore store = await StoreAsync(null).ConfigureAwait(false);
        IReadOnlyList<ScheduleRecord> records = await store.ListAsync(offset, limit, cancellationToken).ConfigureAwait(false);
        var page = new ScheduledCommand[records.Count];
        for (int i = 0; i < page.Length; i++)
        {
            page[i] = Show(records[i]);
        }

        return page;
    }

    /// <summary>The store's schedule role once the bus has opened it; throws when the bus is not running.</summary>
    private async ValueTask<IScheduleStore> StoreAsync(ContractDescriptor? contract)
    {
        if (!runtime.TakesMessages)
        {
            throw runtime.NotRunning(contract ?? throw new InvalidOperationException(
                "The bus is not running, so its store is not open and schedules cannot be read or cancelled: start the host first."), "");
        }

        await runtime.StoreReadyAsync().ConfigureAwait(false);
        return runtime.Store.Schedules;
    }

    private static ScheduledCommand Show(ScheduleRecord record)
    {
        string schedule;
        try
        {
            schedule = Schedule.Parse(record.Recurrence).ToString();
        }
        catch (FormatException)
        {
            schedule = record.Recurrence;
        }

        return new ScheduledCommand(record.Id, record.ContractName, schedule, record.NextDue, record.Missed);
    }
}
