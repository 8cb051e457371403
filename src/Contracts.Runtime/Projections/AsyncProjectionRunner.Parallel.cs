using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;

namespace Contracts.Projections;

internal sealed partial class AsyncProjectionRunner
{
    /// <summary>
    /// Splits a page by stream over <see cref="ProjectionOptions.Parallelism"/> workers (one stream's events stay in
    /// order, in one worker), each committing its share in its own transaction. A position counts as done only once the
    /// transaction that projected it committed (or when the projection does not read it), and each transaction saves
    /// the <see cref="CheckpointTracker"/>'s contiguous checkpoint as it was before: never past an event still in flight.
    /// </summary>
    private async ValueTask RunParallelAsync(IEventLogStore log, IReadOnlyList<EventRecord> page, CancellationToken cancellationToken)
    {
        int workers = projection.Parallelism;
        var tracker = new CheckpointTracker(Position);
        var shares = new List<EventRecord>[workers];
        for (int i = 0; i < workers; i++)
        {
            shares[i] = new List<EventRecord>(page.Count / workers + 1);
        }

        ProjectionDescriptor descriptor = projection.Descriptor;
        foreach (EventRecord record in page)
        {
            if (descriptor.Reads(record.ContractName))
            {
                shares[(int)((uint)StableHash(record.StreamId) % (uint)workers)].Add(record);
            }
        }

        // Skipped positions are done at once; a worker's positions once it committed.
        foreach (EventRecord record in page)
        {
            if (!descriptor.Reads(record.ContractName))
            {
                tracker.Complete(record.Position);
            }
        }

        var tasks = new Task[workers];
        for (int i = 0; i < workers; i++)
        {
            tasks[i] = RunShareAsync(log, shares[i], tracker, cancellationToken);
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            // What did commit stays counted: a retry starts from the contiguous run, repeating what lies beyond it.
            Volatile.Write(ref _checkpoint, tracker.Checkpoint);
        }

        await ProjectionBatch.SaveCheckpointAsync(descriptor.Name, log, _lease, tracker.Checkpoint, cancellationToken).ConfigureAwait(false);
    }

    private async Task RunShareAsync(IEventLogStore log, List<EventRecord> share, CheckpointTracker tracker, CancellationToken cancellationToken)
    {
        if (share.Count == 0)
        {
            return;
        }

        await Task.Yield();
        await ProjectionBatch.RunAsync(projection, log, store, scopes, share, tracker.Checkpoint, rebuilding: false, _lease, cancellationToken).ConfigureAwait(false);
        foreach (EventRecord record in share)
        {
            tracker.Complete(record.Position);
        }
    }

    /// <summary>FNV-1a over the stream id: the same worker for a stream in every run.</summary>
    private static int StableHash(string value)
    {
        uint hash = 2166136261;
        foreach (char c in value)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)hash;
    }
}
