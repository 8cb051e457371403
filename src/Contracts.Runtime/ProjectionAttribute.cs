using System;

namespace Contracts;

/// <summary>
/// Marks a partial class as a projection: it keeps a read model from the event store's events, one
/// <see cref="IProjection{TEvent}"/> per event it reads. The generator writes its registration (which events it
/// reads, how it is created, a direct call per event: no reflection) and checks that each event is an
/// <see cref="EventAttribute"/> contract. Register it with <c>o.Projections.Add&lt;T&gt;(ProjectionMode.Inline)</c>
/// or <c>ProjectionMode.Async</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ProjectionAttribute : Attribute
{
    /// <summary>
    /// The stable name its checkpoint is stored under (and <see cref="Projections.IProjections"/> knows it by).
    /// Default: the class's name. Set it before renaming the class, or the projection starts again from position 1.
    /// </summary>
    public string? Name { get; init; }
}
