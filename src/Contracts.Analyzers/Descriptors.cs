using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>
/// Every analyzer descriptor, built by <see cref="DescriptorFactory"/>. The rules that stop generation are the generator's
/// (Contracts.Generator's GeneratorDescriptors): reported there, they show on build.
/// </summary>
internal static class Descriptors
{
    private const string Definition = DescriptorFactory.Definition;
    private const string Handlers = DescriptorFactory.Handlers;
    private const string Reliability = DescriptorFactory.Reliability;

    public static readonly DiagnosticDescriptor MultipleHandlers = DescriptorFactory.Create(
        DiagnosticIds.MultipleHandlers, Handlers, DiagnosticSeverity.Error, compilationEnd: true,
        "A command or query has more than one handler",
        "'{0}' has {1} handlers ({2}); a {3} is delivered to exactly one",
        "A command or query is delivered point to point, to exactly one handler. With two, which one runs is undefined: keep one and delete or merge the others.");

    public static readonly DiagnosticDescriptor NotIdempotent = DescriptorFactory.Create(
        DiagnosticIds.NotIdempotent, Reliability, DiagnosticSeverity.Warning, compilationEnd: false,
        "A handler may run twice for the same message",
        "'{0}' handles '{1}', which has no [IdempotencyKey] member, and is not marked [Idempotent]; at-least-once delivery or a second send can run it twice for the same logical message",
        "Delivery is at least once, and an application may send the same logical message twice. Give the contract an [IdempotencyKey] member so the inbox drops repeats, or mark the handler [Idempotent] when running it twice is harmless.");

    public static readonly DiagnosticDescriptor DuplicateContract = DescriptorFactory.Create(
        DiagnosticIds.DuplicateContract, Definition, DiagnosticSeverity.Error, compilationEnd: true,
        "Two contracts have the same name and version",
        "'{0}' has the contract name '{1}' version {2}, as {3} does; the catalog tells contracts apart by name and version",
        "The wire carries the contract name and version, never a CLR type name, so each pair must be unique. Set a distinct Name or Version on one of them.");

    public static readonly DiagnosticDescriptor MutableContract = DescriptorFactory.Create(
        DiagnosticIds.MutableContract, Definition, DiagnosticSeverity.Warning, compilationEnd: false,
        "A contract has mutable state",
        "Contract '{0}' has mutable state: {1}",
        "A message is a value: once sent it may be serialized later, read by several handlers, or retried. Use init accessors and read-only collections (IReadOnlyList<T>, IReadOnlyDictionary<TKey, TValue>, ImmutableArray<T>).");

    public static readonly DiagnosticDescriptor NoHandler = DescriptorFactory.Create(
        DiagnosticIds.NoHandler, Handlers, DiagnosticSeverity.Info, compilationEnd: true,
        "A command or query has no handler in this project",
        "{0} '{1}' has no handler in this project; sending it fails unless another service handles it",
        "Reported only in projects that declare handlers. When another service handles the message this is expected: silence it, or raise it to a warning in projects that must handle everything they declare.");

    public static readonly DiagnosticDescriptor BlockingHandler = DescriptorFactory.Create(
        DiagnosticIds.BlockingHandler, Reliability, DiagnosticSeverity.Warning, compilationEnd: false,
        "A handler blocks on asynchronous work",
        "'{0}' blocks on asynchronous work with '{1}'; await it instead",
        "A handler runs on the bus's consumers. Blocking one on a task holds a consumer and a thread-pool thread, and can deadlock; await the task.");

    public static readonly DiagnosticDescriptor TokenNotPassed = DescriptorFactory.Create(
        DiagnosticIds.TokenNotPassed, Reliability, DiagnosticSeverity.Warning, compilationEnd: false,
        "A handler does not pass its cancellation token on",
        "'{0}' calls '{1}' without its cancellation token; pass '{2}' so the call stops when the delivery is cancelled",
        "The token a handler is given is signalled when the bus stops or the caller gives up. An asynchronous call that could take it but does not keeps running, and delays shutdown.");
}
