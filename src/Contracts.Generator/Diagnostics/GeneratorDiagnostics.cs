using System.Collections.Immutable;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Diagnostics;

/// <summary>Turns the pipeline's <see cref="DiagnosticInfo"/> values back into diagnostics, with the shared descriptors.</summary>
internal static class GeneratorDiagnostics
{
    /// <summary>The rules the generator reports, because they stop generation; the analyzers never report them.</summary>
    public static ImmutableArray<DiagnosticDescriptor> Supported { get; } =
    [
        GeneratorDescriptors.NotGeneratable,
        GeneratorDescriptors.UnserializableMember,
        GeneratorDescriptors.SeveralKinds,
        GeneratorDescriptors.HandlerOfNonContract,
        GeneratorDescriptors.QueryResult,
        GeneratorDescriptors.UnsupportedKey,
        GeneratorDescriptors.UnsupportedPartitionKey,
        GeneratorDescriptors.BadUpcast,
        SagaDescriptors.Uncorrelated,
        SagaDescriptors.NeverStarted,
        SagaDescriptors.StateUnserializable,
        SagaDescriptors.HandlesQuery,
        SagaDescriptors.NotGeneratable,
        SagaDescriptors.StepOfNonContract,
        AggregateDescriptors.RaisesUnapplied,
        AggregateDescriptors.ApplyOfNonEvent,
        AggregateDescriptors.NotGeneratable,
        AggregateDescriptors.StateUnserializable,
        AggregateDescriptors.ApplyMisdeclared,
        ProjectionDescriptors.OfNonEvent,
        ProjectionDescriptors.NotGeneratable,
        ProjectionDescriptors.ReadsNothing,
        ProjectionDescriptors.NameClash,
        ContractsGenerator.GeneratorError,
    ];

    public static Diagnostic Create(DiagnosticInfo info, Compilation compilation)
    {
        DiagnosticDescriptor descriptor = Descriptor(info.Id);
        object?[] arguments = new object?[info.Arguments.Count];
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = info.Arguments[i];
        }

        ImmutableDictionary<string, string?>? properties = info.Fix is null
            ? null
            : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, info.Fix);
        return Diagnostic.Create(descriptor, info.Location?.ToLocation(compilation) ?? Location.None, properties, arguments);
    }

    private static DiagnosticDescriptor Descriptor(string id)
    {
        foreach (DiagnosticDescriptor descriptor in Supported)
        {
            if (descriptor.Id == id)
            {
                return descriptor;
            }
        }

        return ContractsGenerator.GeneratorError;
    }
}
