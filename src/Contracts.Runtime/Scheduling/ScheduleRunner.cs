using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Storage;
using Microsoft.Extensions.Logging;

namespace Contracts.Scheduling;

/// <summary>
/// Fires due schedules: every <see cref="ScheduleOptions.PollInterval"/> (or when woken) it reads the schedules due now,
/// plans each by its missed-firing policy and fires it with the store's compare-and-swap, which writes the commands to
/// the outbox in the same commit (on a durable store; the relay sends them) or, on a store that is not durable, lets this
/// bus send them at once. A lost race (another process fired the occurrence) sends nothing.
/// </summary>
internal sealed class ScheduleRunner(ContractsRuntime runtime, ScheduleOptions options, ILogger logger)
{
    private const int Page = 64;

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<string, DeclaredSchedule> _declared = Index(options.Declared);

    private static Dictionary<string, DeclaredSchedule> Index(IReadOnlyList<DeclaredSchedule> declared)
    {
        var index = new Dictionary<string, DeclaredSchedule>(declared.Count, StringComparer.Ordinal);
        foreach (DeclaredSchedule schedule in declared)
        {
            index.Add(schedule.Id, schedule);
        }

        return index;
    }

    /// <summary>Writes the declared schedules, keeping the due time of those whose recurrence is unchanged.</summary>
    public async Task DeclareAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = runtime.Time.GetUtcNow();
        foreach (DeclaredSchedule declared in options.Declared)
        {
            var record = new ScheduleRecord(
                declared.Id, declared.Contract.Name, declared.Contract.Version, ReadOnlyMemory<byte>.Empty, declared.Schedule.Spec,
                declared.Schedule.FirstDue(now), declared.Missed, options.MaxCatchUpFirings, now);
            await runtime.Store.Schedules.SaveAsync(record, keepDue: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Looks for due schedules at once (one was just made).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken already by another caller.
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await FireDueAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.StoreFailed(logger, ex, "firing due schedules");
            }

            try
            {
                await _wake.WaitAsync(options.PollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Fires every schedule due now; returns how many commands it fired.</summary>
    internal async Task<int> FireDueAsync(CancellationToken cancellationToken)
    {
        int fired = 0;
        IReadOnlyList<ScheduleRecord> due;
        do
        {
            DateTimeOffset now = runtime.Time.GetUtcNow();
            due = await runtime.Store.Schedules.DueAsync(now, Page, cancellationToken).ConfigureAwait(false);
            int before = fired;
            foreach (ScheduleRecord schedule in due)
            {
                fired += await FireAsync(schedule, now, cancellationToken).ConfigureAwait(false);
            }

            if (fired == before)
            {
                break; // a full page this bus cannot fire (unknown contracts): the next poll looks again
            }
        }
        while (due.Count == Page);

        return fired;
    }

    private async Task<int> FireAsync(ScheduleRecord stored, DateTimeOffset now, CancellationToken cancellationToken)
    {
        _declared.TryGetValue(stored.Id, out DeclaredSchedule? declared);
        if (stored.Payload.IsEmpty && declared is null)
        {
            return 0; // declared by another application sharing the store: it fires it
        }

        if (!runtime.Catalog.TryFind(stored.ContractName, stored.ContractVersion, out ContractDescriptor? contract))
        {
            Log.ScheduleNotFired(logger, stored.Id, $"its command '{stored.ContractName}' v{stored.ContractVersion} is not a contract of this process");
            return 0;
        }

        Schedule schedule;
        try
        {
            schedule = Schedule.Parse(stored.Recurrence);
        }
        catch (FormatException ex)
        {
            Log.ScheduleNotFired(logger, stored.Id, ex.Message);
            return 0;
        }

        FiringPlan plan = FiringPlan.For(schedule, stored.NextDue, now, stored.Missed, stored.MaxCatchUp, options.MissedAfter);
        var records = new MessageRecord[plan.Fire.Count];
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = Record(stored, contract, declared, plan.Fire[i], now);
        }

        bool durable = runtime.DurableStore;
        if (!await runtime.Store.Schedules.FireAsync(stored.Id, stored.NextDue, plan.Next, durable ? records : [], cancellationToken).ConfigureAwait(false))
        {
            return 0; // another process fired it, or it was changed or cancelled meanwhile
        }

        if (plan.Skipped > 0)
        {
            Log.ScheduleSkipped(logger, stored.Id, plan.Skipped, stored.Missed);
        }

        if (durable)
        {
            runtime.WakeRelay();
            return records.Length;
        }

        foreach (MessageRecord record in records)
        {
            try
            {
                await runtime.ForwardAsync(record.ToEnvelope(contract), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // In memory there is nothing to send it again from: logged, as a send that failed would be.
                Log.ScheduleNotFired(logger, stored.Id, $"its command {record.MessageId} could not be sent: {ex.Message}");
            }
        }

        return records.Length;
    }

    /// <summary>The outbox record of one occurrence: its message id is made from the schedule id and the due time.</summary>
    private MessageRecord Record(ScheduleRecord stored, ContractDescriptor contract, DeclaredSchedule? declared, DateTimeOffset occurrence, DateTimeOffset now)
    {
        Guid id = OccurrenceId(stored.Id, occurrence);
        if (declared is not null && stored.Payload.IsEmpty)
        {
            return runtime.Bus.CreateOutboxRecord(contract, declared.Make(occurrence), new SendOptions { MessageId = id, CorrelationId = id });
        }

        return new MessageRecord
        {
            Endpoint = "",
            MessageId = id,
            ContractName = stored.ContractName,
            ContractVersion = stored.ContractVersion,
            CorrelationId = id,
            SentAt = now,
            Payload = stored.Payload,
        };
    }

    /// <summary>A name-based id (RFC 9562 version 8, from SHA-256): the same for every process that fires the occurrence.</summary>
    internal static Guid OccurrenceId(string scheduleId, DateTimeOffset occurrence)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"contracts-schedule\n{scheduleId}\n{occurrence.ToUnixTimeMilliseconds()}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
