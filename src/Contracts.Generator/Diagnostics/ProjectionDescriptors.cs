using Contracts.CodeAnalysis;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Diagnostics;

/// <summary>The projection rules, reported by the generator because they decide what it generates (see docs/projections.md).</summary>
internal static class ProjectionDescriptors
{
    private const string Projections = DescriptorFactory.Handlers;

    public static readonly DiagnosticDescriptor OfNonEvent = DescriptorFactory.Create(
        DiagnosticIds.ProjectionOfNonEvent, Projections, DiagnosticSeverity.Error, compilationEnd: false,
        "A projection reads a type that is not an event",
        "{0}",
        "A projection is fed the event store's log, which holds [Event] contracts only: each IProjection<TEvent> must name a type marked [Event].");

    public static readonly DiagnosticDescriptor NotGeneratable = DescriptorFactory.Create(
        DiagnosticIds.ProjectionNotGeneratable, Projections, DiagnosticSeverity.Error, compilationEnd: false,
        "The projection cannot be generated",
        "{0}",
        "A projection is a non-generic, non-abstract partial class, nested only in partial types, at least internal.");

    public static readonly DiagnosticDescriptor ReadsNothing = DescriptorFactory.Create(
        DiagnosticIds.ProjectionReadsNothing, Projections, DiagnosticSeverity.Warning, compilationEnd: false,
        "A projection reads no event",
        "{0}",
        "A [Projection] class names the events it reads with IProjection<TEvent>; without one it is never fed anything.");

    public static readonly DiagnosticDescriptor NameClash = DescriptorFactory.Create(
        DiagnosticIds.ProjectionNameClash, Projections, DiagnosticSeverity.Error, compilationEnd: false,
        "Two projections have the same name",
        "{0}",
        "A projection's name keys its checkpoint: two projections of one name would skip each other's events. Give one [Projection(Name = \"...\")].");
}
