using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Projections;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.EventSourcing;

/// <summary>Appends in a store transaction (inline projections, a delivery's consume transaction) and subscriptions from a time.</summary>
internal sealed partial class EventStore
{
    private ProjectionOptions[]? _inline;

    /// <summary>The inline projections, from the bus options (none: appends take the plain path).</summary>
    private ProjectionOptions[] Inline => _inline ??= InlineOf(runtime.Options.Projections.All);

    private static ProjectionOptions[] InlineOf(IReadOnlyList<ProjectionOptions> all)
    {
        var inline = new List<ProjectionOptions>();
        foreach (ProjectionOptions projection in all)
        {
            if (projection.Mode == ProjectionMode.Inline)
            {
                inline.Add(projection);
            }
        }

        return [.. inline];
    }

    /// <summary>Whether an inline projection reads one of <paramref name="records"/>.</summary>
    private bool InlineReads(EventRecord[] records)
    {
        foreach (ProjectionOptions projection in Inline)
        {
            foreach (EventRecord record in records)
            {
                if (projection.Descriptor.Reads(record.ContractName))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// The append in one store transaction, with its inline projections when one reads its events: the events, their
    /// publications (durable store) and every inline projection's writes, committed together; a projection that throws
    /// rolls all of it back and the append fails with its exception. <paramref name="within"/>: the transaction is
    /// joined to that delivery's consume transaction and commits with it (the relay and the live subscriptions are
    /// woken after that commit).
    /// </summary>
    private async ValueTask<long> AppendInTransactionAsync(IEventLogStore log, Pipeline.ConsumeContext? within, bool inline, string streamId, ExpectedVersion expected, IReadOnlyList<IEvent> events, EventRecord[] records, bool publish, CancellationToken cancellationToken)
    {
        MessageRecord[]? outbox = null;
        if (publish && runtime.DurableStore)
        {
            outbox = new MessageRecord[records.Length];
            for (int i = 0; i < outbox.Length; i++)
            {
                outbox[i] = runtime.Bus.CreateAppendedRecord(events[i], records[i]);
            }
        }

        long version;
        await using (IEventLogTransaction transaction = within is null
            ? await log.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
            : await log.JoinAsync(within.Transaction!, cancellationToken).ConfigureAwait(false))
        {
            version = await transaction.AppendAsync(streamId, expected, records, outbox, cancellationToken).ConfigureAwait(false);
            if (inline)
            {
                await ProjectInlineAsync(transaction, streamId, events, records, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (within is not null)
        {
            // A consume transaction exists only on a durable store: the publications are in the outbox.
            within.WroteOutbox |= outbox is not null;
            within.AppendedTo = this;
            return version;
        }

        SignalAppended();
        if (outbox is not null)
        {
            runtime.WakeRelay();
        }
        else if (publish)
        {
            for (int i = 0; i < records.Length; i++)
            {
                EventRecord record = records[i];
                await runtime.Bus.PublishAppendedAsync(events[i], record.EventId, record.CorrelationId, record.CausationId, record.Headers, cancellationToken).ConfigureAwait(false);
            }
        }

        return version;
    }

    /// <summary>Runs every inline projection that reads one of <paramref name="records"/> in <paramref name="transaction"/>, in one DI scope.</summary>
    private async ValueTask ProjectInlineAsync(IEventLogTransaction transaction, string streamId, IReadOnlyList<IEvent> events, EventRecord[] records, CancellationToken cancellationToken)
    {
        IServiceScopeFactory factory = scopes ?? throw new InvalidOperationException("Inline projections need the bus's services: add the event store with AddContracts.");
        await using AsyncServiceScope scope = factory.CreateAsyncScope();
        foreach (ProjectionOptions projection in Inline)
        {
            ProjectionDescriptor descriptor = projection.Descriptor;
            object? instance = null;
            ProjectionContext? context = null;
            for (int i = 0; i < records.Length; i++)
            {
                EventRecord record = records[i];
                if (!descriptor.Reads(record.ContractName))
                {
                    continue;
                }

                instance ??= descriptor.Factory(scope.ServiceProvider);
                context ??= new ProjectionContext(descriptor.Name, ProjectionMode.Inline, transaction, scope.ServiceProvider, rebuilding: false);
                var recorded = new RecordedEvent(events[i], streamId, record.StreamVersion, record.Position, record.EventId, record.CorrelationId, record.CausationId, record.RecordedAt, record.Headers);
                context.Recorded = recorded;
                await descriptor.Project(instance, recorded, context, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(DateTimeOffset from, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long position = await FindPositionAsync(from, cancellationToken).ConfigureAwait(false);
        await foreach (RecordedEvent recorded in SubscribeToAllAsync(position, cancellationToken).ConfigureAwait(false))
        {
            yield return recorded;
        }
    }

    public async ValueTask<long> FindPositionAsync(DateTimeOffset from, CancellationToken cancellationToken = default)
    {
        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        long head = await log.ReadHeadPositionAsync(cancellationToken).ConfigureAwait(false);

        // Binary search for the first position recorded at or after the time: positions are given in append order,
        // and so are the times (one clock per store's writer; across processes, as far as their clocks agree).
        long low = 1, high = head + 1;
        while (low < high)
        {
            long middle = low + ((high - low) / 2);
            IReadOnlyList<EventRecord> page = await log.ReadAllAsync(middle, 1, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0 || page[0].RecordedAt >= from)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }
}
