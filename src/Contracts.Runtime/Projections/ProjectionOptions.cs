using System;

namespace Contracts.Projections;

/// <summary>How one projection runs.</summary>
public sealed class ProjectionOptions
{
    internal ProjectionOptions(ProjectionDescriptor descriptor, ProjectionMode mode)
    {
        Descriptor = descriptor;
        Mode = mode;
    }

    internal ProjectionDescriptor Descriptor { get; }

    /// <summary>Inline (in the append's transaction) or asynchronous (the projection daemon).</summary>
    public ProjectionMode Mode { get; set; }

    /// <summary>
    /// Asynchronous: at most this many events of the log (read or skipped) in one transaction with the checkpoint.
    /// Larger batches rebuild faster; smaller ones hold the database's write lock for less time. Default 256.
    /// </summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// Asynchronous: how many batches run at once, each on its own streams (events of one stream stay in order, in one
    /// worker). 1 (the default) saves the checkpoint with the batch's writes: every event is projected exactly once.
    /// More saves, with each batch, the checkpoint of the contiguous run of completed positions
    /// (<see cref="EventSourcing.CheckpointTracker"/>): after a crash, events another worker had committed past that
    /// point are projected again, so the projection must be idempotent per event (for example, by a stream version it
    /// keeps in its row).
    /// </summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>
    /// Asynchronous: whether this process may run the projection's daemon. Of the processes on one database that do,
    /// one at a time runs it: the one that holds its lease in the store, renewed at a third of
    /// <see cref="ContractsOptions.ClaimDuration"/>; the others stand by and take over within a third of it after a clean
    /// stop, and within 1 1/3 of it after a crash. Processes that only rebuild it or read its status may set this to
    /// false. Default true.
    /// </summary>
    public bool RunDaemon { get; set; } = true;

    /// <summary>How long a failed batch waits before it is tried again (doubling up to 30 seconds). Default 1 second.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallelism, 1, nameof(Parallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, $"Projection '{Descriptor.Name}' has an unknown mode.");
        }
    }
}
