using Contracts.CodeAnalysis;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Diagnostics;

/// <summary>The saga rules that stop a saga's generation or a step's wiring, reported by the generator (see docs/sagas.md).</summary>
internal static class SagaDescriptors
{
    private const string Sagas = DescriptorFactory.Handlers;

    public static readonly DiagnosticDescriptor Uncorrelated = DescriptorFactory.Create(
        DiagnosticIds.SagaUncorrelated, Sagas, DiagnosticSeverity.Error, compilationEnd: false,
        "A saga's message does not say which instance it belongs to",
        "{0}",
        "Every message a saga starts with or handles has exactly one [SagaId] member, a Guid, string, int or long of the same type in all of them: the generator reads it to find the instance, without reflection.");

    public static readonly DiagnosticDescriptor NeverStarted = DescriptorFactory.Create(
        DiagnosticIds.SagaNeverStarted, Sagas, DiagnosticSeverity.Error, compilationEnd: false,
        "No message starts the saga",
        "{0}",
        "A saga instance is created only by a message it names with IStartedBy<TMessage>; a saga with IHandles<TMessage> steps only would never run.");

    public static readonly DiagnosticDescriptor StateUnserializable = DescriptorFactory.Create(
        DiagnosticIds.SagaStateUnserializable, Sagas, DiagnosticSeverity.Error, compilationEnd: false,
        "A saga's state cannot be serialized",
        "{0}",
        "The state is stored between steps with a generated formatter, by the rules of a contract's members: supported framework types, enums, collections of those, and concrete records or classes built from them.");

    public static readonly DiagnosticDescriptor HandlesQuery = DescriptorFactory.Create(
        DiagnosticIds.SagaHandlesQuery, Sagas, DiagnosticSeverity.Error, compilationEnd: false,
        "A saga handles a query",
        "{0}",
        "A query is answered by exactly one IQueryHandler and changes nothing; a saga step changes state and sends. Read a saga's state with ISagas, or answer the query from a read model.");

    public static readonly DiagnosticDescriptor NotGeneratable = DescriptorFactory.Create(
        DiagnosticIds.SagaNotGeneratable, Sagas, DiagnosticSeverity.Error, compilationEnd: false,
        "The saga cannot be generated",
        "{0}",
        "A saga is a non-generic, non-abstract partial class, nested only in partial types, deriving from Saga<TState>.");

    public static readonly DiagnosticDescriptor StepOfNonContract = DescriptorFactory.Create(
        DiagnosticIds.SagaStepOfNonContract, Sagas, DiagnosticSeverity.Error, compilationEnd: false,
        "A saga step's message is not a command or event",
        "{0}",
        "A saga step runs for a message that travels: a type marked [Command] or [Event].");
}
