using System;
using System.Collections.Generic;

namespace Contracts.Projections;

/// <summary>The projections the bus runs (<c>o.Projections</c>).</summary>
public sealed class ProjectionRegistry
{
    private readonly List<ProjectionOptions> _projections = [];

    internal IReadOnlyList<ProjectionOptions> All => _projections;

    /// <summary>
    /// Adds <typeparamref name="TProjection"/>, a class marked <see cref="ProjectionAttribute"/>: inline, it runs in
    /// every append of an event it reads; asynchronous, the bus's projection daemon feeds it from its checkpoint.
    /// </summary>
    /// <typeparam name="TProjection">The projection (its registration is generated).</typeparam>
    /// <param name="mode">Inline or asynchronous.</param>
    /// <param name="configure">Batch size, parallelism, whether this process runs its daemon.</param>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="InvalidOperationException">A projection of the same name is registered already.</exception>
    public ProjectionRegistry Add<TProjection>(ProjectionMode mode, Action<ProjectionOptions>? configure = null)
        where TProjection : class, IProjectionDefinition<TProjection>
    {
        ProjectionDescriptor descriptor = TProjection.Projection;
        foreach (ProjectionOptions existing in _projections)
        {
            if (existing.Descriptor.Name == descriptor.Name)
            {
                throw new InvalidOperationException(
                    $"Projection '{descriptor.Name}' ({descriptor.ProjectionType.Name}) is registered twice" +
                    (existing.Descriptor.ProjectionType == descriptor.ProjectionType ? "." : $", also by {existing.Descriptor.ProjectionType.Name}; give one [Projection(Name = ...)] another name."));
            }
        }

        var options = new ProjectionOptions(descriptor, mode);
        configure?.Invoke(options);
        options.Validate();
        _projections.Add(options);
        return this;
    }
}
