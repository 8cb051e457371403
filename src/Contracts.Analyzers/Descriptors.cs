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

    public static readonly DiagnosticDescriptor HandlerNotWired = DescriptorFactory.Create(
        DiagnosticIds.HandlerNotWired, Handlers, DiagnosticSeverity.Warning, compilationEnd: false,
        "A handler is not wired",
        "'{0}' implements {1} but is never wired: {2}",
        "The generator wires a class as a handler only when its own base list names ICommandHandler<T>, IEventHandler<T> or IQueryHandler<TQuery, TResult> by name and the class is visible to its assembly; it never searches for interfaces a class inherits. Such a class compiles, but no message ever reaches it.");

    public static readonly DiagnosticDescriptor NotAwaited = DescriptorFactory.Create(
        DiagnosticIds.NotAwaited, Reliability, DiagnosticSeverity.Warning, compilationEnd: false,
        "A message is sent without awaiting it",
        "The task of '{0}' is never awaited; a failure to send is lost and the message may not be sent before the caller moves on",
        "SendAsync, PublishAsync and QueryAsync complete when the message is accepted (stored, or handed to the transport); their task carries any failure. Await it.");

    public static readonly DiagnosticDescriptor AsyncVoid = DescriptorFactory.Create(
        DiagnosticIds.AsyncVoid, Reliability, DiagnosticSeverity.Warning, compilationEnd: false,
        "A handler type has an async void method",
        "'{0}.{1}' is async void; an exception in it crashes the process instead of failing the delivery",
        "An exception escaping an async void method is raised on the thread pool and ends the process; the bus never sees it, so there is no retry and no dead letter. Return Task or ValueTask and await it.");

    public static readonly DiagnosticDescriptor ThreadBlocking = DescriptorFactory.Create(
        DiagnosticIds.ThreadBlocking, Reliability, DiagnosticSeverity.Warning, compilationEnd: false,
        "A handler blocks its thread",
        "'{0}' blocks its thread with '{1}'{2}; use {3}",
        "A handler runs on one of the bus's consumers. A thread-blocking wait holds the consumer and a thread-pool thread; under load this starves the pool. Use the asynchronous form and await it.");

    public static readonly DiagnosticDescriptor QuerySideEffect = DescriptorFactory.Create(
        DiagnosticIds.QuerySideEffect, Handlers, DiagnosticSeverity.Warning, compilationEnd: false,
        "A query handler has side effects",
        "Query handler '{0}' calls '{1}'; a query only reads, so a retried or repeated query would repeat the side effect",
        "Queries are the read side: they may be retried, cached or sent twice by a caller that timed out, and they run without the inbox that makes commands and events effectively once. Move the side effect to a command handler.");

    public static readonly DiagnosticDescriptor SwallowsExceptions = DescriptorFactory.Create(
        DiagnosticIds.SwallowsExceptions, Reliability, DiagnosticSeverity.Warning, compilationEnd: false,
        "A handler swallows every exception",
        "'{0}' catches every exception without rethrowing it; the delivery then succeeds, so retries and dead letters never see the failure",
        "A failed delivery is retried and, after the last attempt, kept as a dead letter with its exception. A handler that catches every exception and returns defeats both: the message is completed as if handled. Catch only what you handle, or rethrow.");

    public static readonly DiagnosticDescriptor MemberNotOnWire = DescriptorFactory.Create(
        DiagnosticIds.MemberNotOnWire, Definition, DiagnosticSeverity.Warning, compilationEnd: false,
        "A public contract member does not travel",
        "'{0}.{1}' is public but not on the wire: {2}; the receiver always sees its default",
        "Only public properties a constructor parameter or a public (init) setter sets are serialized. A public field, or a property with a private setter and no constructor parameter, looks like part of the message but arrives with its default value.");

    public static readonly DiagnosticDescriptor NonDeterministicDefault = DescriptorFactory.Create(
        DiagnosticIds.NonDeterministicDefault, Definition, DiagnosticSeverity.Warning, compilationEnd: false,
        "A contract default differs on every run",
        "'{0}.{1}' defaults to '{2}', which differs every time; a message read from an older sender gets a new value on each read, and a retried send a new value on each attempt",
        "A member missing from an older sender's message takes its default when read, and an application that builds the same message twice gets two different values: neither is the value the sender meant. Set the value explicitly where the message is created.");

    public static readonly DiagnosticDescriptor BusInHandler = DescriptorFactory.Create(
        DiagnosticIds.BusInHandler, Reliability, DiagnosticSeverity.Warning, compilationEnd: true,
        "A handler sends through the bus instead of its context",
        "'{0}' calls '{1}' on an injected IMessageBus; use its MessageContext, which sends inside the delivery's consume transaction",
        "A message a handler sends through its MessageContext is written in the same consume transaction as the inbox entry (effectively-once endpoints) and carries the correlation and causation of the message being handled. Through an injected IMessageBus it is sent outside that transaction: on an effectively-once endpoint it waits on the write lock the consume transaction holds, and a failure after it leaves the message sent although the delivery is retried. Not reported when this project configures the bus (AddContracts) and its code shows the handler's endpoints are not effectively-once.");

    private const string Evolution = DescriptorFactory.Evolution;

    public static readonly DiagnosticDescriptor NotInLock = DescriptorFactory.Create(
        DiagnosticIds.NotInLock, Evolution, DiagnosticSeverity.Warning, compilationEnd: true,
        "A contract change is not recorded in contracts.lock",
        "{0}",
        "contracts.lock records the wire shape of every contract the project has shipped, so a build can tell a safe change from a breaking one. A new contract, a new optional member or a rename is safe: record it with the code fix, which rewrites contracts.lock, and review the diff.");

    public static readonly DiagnosticDescriptor NoLockFile = DescriptorFactory.Create(
        DiagnosticIds.NoLockFile, Evolution, DiagnosticSeverity.Info, compilationEnd: true,
        "The project has no contracts.lock",
        "The project declares contracts but has no contracts.lock, so contract changes are not checked; create it with the code fix",
        "Without a lock file nothing is checked. The code fix writes contracts.lock beside the project, recording every contract as it is now; commit it, and each later build compares the code with it.");

    public static readonly DiagnosticDescriptor LockMemberRemoved = DescriptorFactory.Create(
        DiagnosticIds.LockMemberRemoved, Evolution, DiagnosticSeverity.Error, compilationEnd: true,
        "A recorded contract member was removed, moved or its index reused",
        "{0}",
        "A member travels as its index, not its name. Moving a member or giving its index to another one makes a reader of the other version read one member's value into another. Removing a required member leaves readers of the recorded version without it (forward and full compatibility). A safe removal is recorded as retired, so the index is never reused.");

    public static readonly DiagnosticDescriptor LockWireTypeChanged = DescriptorFactory.Create(
        DiagnosticIds.LockWireTypeChanged, Evolution, DiagnosticSeverity.Error, compilationEnd: true,
        "A recorded contract member's wire type changed",
        "{0}",
        "A reader reads the bytes a writer wrote. A change is safe when the reader the mode cares about reads every value of the other type: an integer read as a wider one, a value read as its nullable form. Any other change breaks one side.");

    public static readonly DiagnosticDescriptor LockRequiredMemberAdded = DescriptorFactory.Create(
        DiagnosticIds.LockRequiredMemberAdded, Evolution, DiagnosticSeverity.Error, compilationEnd: true,
        "A required member was added to a recorded contract",
        "{0}",
        "A message written before the member existed does not have it. With backward or full compatibility the new code must read such messages, so a new member needs a default value or a nullable type.");

    public static readonly DiagnosticDescriptor LockIdentityChanged = DescriptorFactory.Create(
        DiagnosticIds.LockIdentityChanged, Evolution, DiagnosticSeverity.Error, compilationEnd: true,
        "A recorded contract's wire name, version or kind changed",
        "{0}",
        "The wire carries a contract's name and version, and its kind decides its routing. Changing them makes every message in flight and every stored event of the recorded contract unknown. Keep the recorded contract as its own type and add the new version beside it.");

    public static readonly DiagnosticDescriptor LockKeyChanged = DescriptorFactory.Create(
        DiagnosticIds.LockKeyChanged, Evolution, DiagnosticSeverity.Error, compilationEnd: true,
        "A recorded contract's idempotency key changed",
        "{0}",
        "The inbox drops a message whose idempotency key it has seen. A key computed from other members gives a repeat of a message sent before the change another key, so it runs again.");

    public static readonly DiagnosticDescriptor LockContractRemoved = DescriptorFactory.Create(
        DiagnosticIds.LockContractRemoved, Evolution, DiagnosticSeverity.Error, compilationEnd: true,
        "A recorded contract was removed",
        "{0}",
        "Messages of a removed contract still in queues, outboxes, dead letters or event stores can no longer be read. Keep the contract while any may exist, then delete its block from contracts.lock in a reviewed change.");

    public static readonly DiagnosticDescriptor LockUnreadable = DescriptorFactory.Create(
        DiagnosticIds.LockUnreadable, Evolution, DiagnosticSeverity.Warning, compilationEnd: true,
        "contracts.lock or the compatibility mode cannot be read",
        "{0}",
        "A line of contracts.lock that cannot be read is skipped (its contract is not checked); an unknown ContractsCompatibility value is read as Backward. Fix the line (the code fixes write the file in its canonical form) or the property.");
}
