using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Projections;

/// <summary>
/// Projects a run of the log's records in one store transaction with the checkpoint: a new DI scope and projection
/// instance, each record the projection reads decoded and passed to its step (the others skipped unread), the
/// projection's lease checked (an asynchronous one's), the checkpoint saved, committed. A failure, or a lease another
/// process holds now, rolls the whole batch back, checkpoint included.
/// </summary>
internal static class ProjectionBatch
{
    /// <summary>Projects <paramref name="records"/>; returns how many the projection read.</summary>
    public static async ValueTask<int> RunAsync(
        ProjectionOptions projection,
        IEventLogStore log,
        EventStore store,
        IServiceScopeFactory scopes,
        IReadOnlyList<EventRecord> records,
        long checkpoint,
        bool rebuilding,
        ProjectionLease? lease,
        CancellationToken cancellationToken)
    {
        ProjectionDescriptor descriptor = projection.Descriptor;
        bool any = false;
        for (int i = 0; i < records.Count; i++)
        {
            if (descriptor.Reads(records[i].ContractName))
            {
                any = true;
                break;
            }
        }

        if (!any)
        {
            if (checkpoint > 0)
            {
                await SaveCheckpointAsync(descriptor.Name, log, lease, checkpoint, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }

        int read = 0;
        await using AsyncServiceScope scope = scopes.CreateAsyncScope();
        await using IEventLogTransaction transaction = await log.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        object instance = descriptor.Factory(scope.ServiceProvider);
        var context = new ProjectionContext(descriptor.Name, projection.Mode, transaction, scope.ServiceProvider, rebuilding);
        for (int i = 0; i < records.Count; i++)
        {
            EventRecord record = records[i];
            if (!descriptor.Reads(record.ContractName))
            {
                continue;
            }

            RecordedEvent recorded = store.Decode(record, descriptor.Name);
            context.Recorded = recorded;
            await descriptor.Project(instance, recorded, context, cancellationToken).ConfigureAwait(false);
            read++;
        }

        if (lease is not null)
        {
            await lease.FenceAsync(log, transaction, cancellationToken).ConfigureAwait(false);
        }

        if (checkpoint > 0)
        {
            await transaction.SaveCheckpointAsync(descriptor.Name, checkpoint, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return read;
    }

    /// <summary>
    /// Saves the checkpoint alone (a batch of events the projection does not read): without a lease, without holding a
    /// write transaction; with one, in a transaction that checks it, so a holder that lost the lease cannot move the
    /// checkpoint of the process that took it over (after a rebuild there, that would skip events).
    /// </summary>
    public static async ValueTask SaveCheckpointAsync(string projection, IEventLogStore log, ProjectionLease? lease, long checkpoint, CancellationToken cancellationToken)
    {
        if (lease is null)
        {
            await log.SaveCheckpointAsync(projection, checkpoint, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using IEventLogTransaction transaction = await log.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await lease.FenceAsync(log, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.SaveCheckpointAsync(projection, checkpoint, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Empties the read model and removes the checkpoint, in one transaction (checking <paramref name="lease"/> when given).</summary>
    public static async ValueTask ResetAsync(ProjectionOptions projection, IEventLogStore log, IServiceScopeFactory scopes, ProjectionLease? lease, CancellationToken cancellationToken)
    {
        ProjectionDescriptor descriptor = projection.Descriptor;
        if (descriptor.Reset is not { } reset)
        {
            throw new InvalidOperationException(
                $"Projection '{descriptor.Name}' ({descriptor.ProjectionType.Name}) cannot be rebuilt: implement IRebuildableProjection, " +
                "whose ResetAsync deletes what the projection wrote, so the replay starts from an empty read model.");
        }

        await using AsyncServiceScope scope = scopes.CreateAsyncScope();
        await using IEventLogTransaction transaction = await log.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        object instance = descriptor.Factory(scope.ServiceProvider);
        var context = new ProjectionContext(descriptor.Name, projection.Mode, transaction, scope.ServiceProvider, rebuilding: true);
        await reset(instance, context, cancellationToken).ConfigureAwait(false);
        if (lease is not null)
        {
            await lease.FenceAsync(log, transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.ResetCheckpointAsync(descriptor.Name, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
