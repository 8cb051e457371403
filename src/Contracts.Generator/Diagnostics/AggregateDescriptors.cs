using Contracts.CodeAnalysis;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Diagnostics;

/// <summary>The aggregate rules, reported by the generator, which reads the Apply methods it wires (see docs/aggregates.md).</summary>
internal static class AggregateDescriptors
{
    private const string Aggregates = DescriptorFactory.Handlers;

    public static readonly DiagnosticDescriptor RaisesUnapplied = DescriptorFactory.Create(
        DiagnosticIds.AggregateRaisesUnapplied, Aggregates, DiagnosticSeverity.Error, compilationEnd: false,
        "An aggregate raises an event it has no Apply method for",
        "{0}",
        "An event an aggregate raises is applied to its state at once and again on every load; without an Apply(TEvent) it changes nothing, and Raise throws at run time.");

    public static readonly DiagnosticDescriptor ApplyOfNonEvent = DescriptorFactory.Create(
        DiagnosticIds.AggregateApplyOfNonEvent, Aggregates, DiagnosticSeverity.Error, compilationEnd: false,
        "An aggregate's Apply method takes a type that is not an event",
        "{0}",
        "An aggregate's stream holds [Event] contracts only; an Apply of anything else is never called.");

    public static readonly DiagnosticDescriptor NotGeneratable = DescriptorFactory.Create(
        DiagnosticIds.AggregateNotGeneratable, Aggregates, DiagnosticSeverity.Error, compilationEnd: false,
        "The aggregate cannot be generated",
        "{0}",
        "An aggregate is a non-generic, non-abstract partial class, nested only in partial types, deriving from Aggregate<TState>, with a parameterless constructor, a SnapshotEvery of 0 or more and a Name of letters, digits, '-', '_' or '.'.");

    public static readonly DiagnosticDescriptor StateUnserializable = DescriptorFactory.Create(
        DiagnosticIds.AggregateStateUnserializable, Aggregates, DiagnosticSeverity.Error, compilationEnd: false,
        "An aggregate's state cannot be serialized",
        "{0}",
        "Snapshots store the state with a generated formatter, by the rules of a contract's members: supported framework types, enums, collections of those, and concrete records or classes built from them.");

    public static readonly DiagnosticDescriptor ApplyMisdeclared = DescriptorFactory.Create(
        DiagnosticIds.AggregateApplyMisdeclared, Aggregates, DiagnosticSeverity.Error, compilationEnd: false,
        "An aggregate's Apply method cannot be wired",
        "{0}",
        "The generator wires instance methods 'void Apply(TEvent e)' with one by-value parameter and no type parameters, declared in the aggregate class itself.");
}
