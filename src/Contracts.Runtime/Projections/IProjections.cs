using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Projections;

/// <summary>The registered projections: their state, waiting for one to catch up, rebuilding one. A singleton of <c>AddContracts</c>.</summary>
public interface IProjections
{
    /// <summary>The registered projections' names, in registration order.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Where <paramref name="name"/> stands.</summary>
    /// <param name="name">The projection's name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Its status.</returns>
    /// <exception cref="System.ArgumentException">No projection has that name.</exception>
    ValueTask<ProjectionStatus> GetStatusAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until <paramref name="name"/> has projected every event up to <paramref name="position"/> (for example, the
    /// head after a write, to read one's own writes). An inline projection is always there.
    /// </summary>
    /// <param name="name">The projection's name.</param>
    /// <param name="position">The global position.</param>
    /// <param name="cancellationToken">Ends the wait (throws <see cref="System.OperationCanceledException"/>).</param>
    /// <returns>Completes when the checkpoint reached it.</returns>
    ValueTask WaitForAsync(string name, long position, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rebuilds <paramref name="name"/> from position 1: in one transaction its <see cref="IRebuildableProjection.ResetAsync"/>
    /// empties the read model and its checkpoint is removed, then the log is replayed into it; completes when it has
    /// caught up with the head as it was when the rebuild started. An asynchronous projection's lease is taken from the
    /// process that holds it (its daemon's next batch is refused); this process's daemon is paused meanwhile and goes
    /// on live after it, or, without one here, the replay runs here and the lease is let go at the end. A rebuild
    /// interrupted by a crash resumes from its checkpoint when a daemon takes the lease again. Rebuild an inline projection with appends stopped: it has no daemon to resume it, so rebuild it again
    /// after a crash.
    /// </summary>
    /// <param name="name">The projection's name.</param>
    /// <param name="cancellationToken">Stops the rebuild (its progress is kept: the daemon resumes it).</param>
    /// <returns>The head position the rebuild caught up with.</returns>
    /// <exception cref="System.ArgumentException">No projection has that name.</exception>
    /// <exception cref="System.InvalidOperationException">The projection does not implement <see cref="IRebuildableProjection"/>.</exception>
    ValueTask<long> RebuildAsync(string name, CancellationToken cancellationToken = default);
}
