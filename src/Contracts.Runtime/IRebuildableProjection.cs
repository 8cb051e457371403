using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// A projection that can be rebuilt (<see cref="Projections.IProjections.RebuildAsync"/>): it empties its read model,
/// in the same transaction that sets its checkpoint back to the start, and is then fed the whole log again.
/// </summary>
public interface IRebuildableProjection
{
    /// <summary>Removes everything the projection wrote (delete its rows on <see cref="ProjectionContext.Transaction"/>).</summary>
    /// <param name="context">The transaction and services; <see cref="ProjectionContext.Recorded"/> is not set.</param>
    /// <param name="cancellationToken">Cancels the reset (nothing is then changed).</param>
    /// <returns>Completes when reset.</returns>
    ValueTask ResetAsync(ProjectionContext context, CancellationToken cancellationToken);
}
