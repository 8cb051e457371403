using Contracts.CodeAnalysis;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Diagnostics;

/// <summary>
/// The rules that stop generation or wiring, reported by the generator itself, which makes those decisions: one place
/// decides and explains, and the report shows on build whatever else the compiler stops at.
/// </summary>
internal static class GeneratorDescriptors
{
    private const string Definition = DescriptorFactory.Definition;
    private const string Handlers = DescriptorFactory.Handlers;

    public static readonly DiagnosticDescriptor NotGeneratable = DescriptorFactory.Create(
        DiagnosticIds.NotGeneratable, Definition, DiagnosticSeverity.Error, compilationEnd: false,
        "The contract cannot be generated",
        "{0}",
        "A contract is a non-generic partial record or class, nested only in partial types, with a public constructor whose parameters name its properties. The generator skips a type it cannot generate.");

    public static readonly DiagnosticDescriptor UnserializableMember = DescriptorFactory.Create(
        DiagnosticIds.UnserializableMember, Definition, DiagnosticSeverity.Error, compilationEnd: false,
        "A contract member cannot be serialized",
        "{0}",
        "Every member on the wire must have a generated formatter: a supported framework type, an enum, a collection of those, or a concrete record or class built from them.");

    public static readonly DiagnosticDescriptor SeveralKinds = DescriptorFactory.Create(
        DiagnosticIds.SeveralKinds, Definition, DiagnosticSeverity.Error, compilationEnd: false,
        "A type is marked as more than one kind of message",
        "{0}",
        "A message is a command, an event or a query, and that decides how it is routed. Keep one of [Command], [Event] and [Query].");

    public static readonly DiagnosticDescriptor HandlerOfNonContract = DescriptorFactory.Create(
        DiagnosticIds.HandlerOfNonContract, Handlers, DiagnosticSeverity.Error, compilationEnd: false,
        "A handler handles a type that is not a contract of its kind",
        "'{0}' handles '{1}' as {2}, but {3}; the handler is never wired",
        "The generator wires a handler only to a type marked with the attribute matching its interface: ICommandHandler to [Command], IEventHandler to [Event], IQueryHandler to [Query].");

    public static readonly DiagnosticDescriptor QueryResult = DescriptorFactory.Create(
        DiagnosticIds.QueryResult, Definition, DiagnosticSeverity.Error, compilationEnd: false,
        "A query's result type is missing or does not match its handler",
        "{0}",
        "A [Query] names its result by implementing IQuery<TResult>, and its handler must be an IQueryHandler<TQuery, TResult> with the same TResult.");

    public static readonly DiagnosticDescriptor UnsupportedKey = DescriptorFactory.Create(
        DiagnosticIds.UnsupportedKey, Definition, DiagnosticSeverity.Error, compilationEnd: false,
        "An idempotency key member has no canonical value",
        "{0}",
        "The idempotency key is built from the canonical values of its members, so equal messages get equal keys. Collections and user types have no such value; key on a string, number, bool, char, enum, Guid, date, time or decimal.");

    public static readonly DiagnosticDescriptor UnsupportedPartitionKey = DescriptorFactory.Create(
        DiagnosticIds.UnsupportedPartitionKey, Definition, DiagnosticSeverity.Error, compilationEnd: false,
        "A partition key member has no stable value, or is on a query",
        "{0}",
        "Messages with the same partition key are handled one at a time in send order; the key is hashed the same way in every process, so it must have one stable value (a string, number, bool, char, enum, Guid, date, time or decimal). A query is never held in order, so it takes no partition key.");

    public static readonly DiagnosticDescriptor BadUpcast = DescriptorFactory.Create(
        DiagnosticIds.BadUpcast, DescriptorFactory.Evolution, DiagnosticSeverity.Error, compilationEnd: false,
        "[UpcastFrom] does not name an older version of the contract",
        "{0}",
        "A contract reads an older version of itself when [UpcastFrom(typeof(Older))] names a valid contract declared in the same project with the same kind and wire name and a lower version. The generator writes the conversion only then; otherwise the older version's messages would not reach the newer handlers.");
}
