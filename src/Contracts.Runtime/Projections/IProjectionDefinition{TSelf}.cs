using System.ComponentModel;

namespace Contracts.Projections;

/// <summary>
/// Implemented by the generator on every <see cref="ProjectionAttribute"/> class, so
/// <see cref="ProjectionRegistry.Add{TProjection}"/> reaches its registration by static dispatch. A class that does not
/// implement it (not marked, or not partial) cannot be registered: that is a compile error, not a start-up one.
/// </summary>
/// <typeparam name="TSelf">The projection class.</typeparam>
public interface IProjectionDefinition<TSelf>
    where TSelf : class, IProjectionDefinition<TSelf>
{
    /// <summary>The generated registration.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    static abstract ProjectionDescriptor Projection { get; }
}
