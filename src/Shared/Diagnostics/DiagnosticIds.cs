namespace Contracts.CodeAnalysis;

/// <summary>The ids of every Contracts diagnostic, shared by the generator, the analyzers, the code fixes and the docs (docs/diagnostics/&lt;id&gt;.md).</summary>
internal static class DiagnosticIds
{
    /// <summary>A command or query has more than one handler.</summary>
    public const string MultipleHandlers = "CTR001";

    /// <summary>A handler of a command or event without an idempotency key that is not marked [Idempotent].</summary>
    public const string NotIdempotent = "CTR002";

    /// <summary>A contract the generator cannot generate.</summary>
    public const string NotGeneratable = "CTR003";

    /// <summary>A contract member whose type cannot be serialized.</summary>
    public const string UnserializableMember = "CTR004";

    /// <summary>Two contracts with the same name and version.</summary>
    public const string DuplicateContract = "CTR005";

    /// <summary>A type marked with more than one of [Command], [Event], [Query].</summary>
    public const string SeveralKinds = "CTR006";

    /// <summary>A handler for a type that is not a contract of the handler's kind.</summary>
    public const string HandlerOfNonContract = "CTR007";

    /// <summary>A [Query] without IQuery&lt;TResult&gt;, or a query handler whose result type does not match.</summary>
    public const string QueryResult = "CTR008";

    /// <summary>An [IdempotencyKey] member without one canonical value.</summary>
    public const string UnsupportedKey = "CTR009";

    /// <summary>A contract with mutable state.</summary>
    public const string MutableContract = "CTR010";

    /// <summary>A command or query without a handler in the compilation.</summary>
    public const string NoHandler = "CTR011";

    /// <summary>A handler that blocks on asynchronous work.</summary>
    public const string BlockingHandler = "CTR012";

    /// <summary>A handler that does not pass its cancellation token on.</summary>
    public const string TokenNotPassed = "CTR013";

    /// <summary>A class that implements a handler interface the generator does not wire (inherited, named through an alias, or private).</summary>
    public const string HandlerNotWired = "CTR014";

    /// <summary>A SendAsync, PublishAsync or QueryAsync whose task is never awaited.</summary>
    public const string NotAwaited = "CTR015";

    /// <summary>An async void method in a handler type.</summary>
    public const string AsyncVoid = "CTR016";

    /// <summary>A handler (or a helper it calls) that blocks its thread (Thread.Sleep, a wait handle, a semaphore's Wait).</summary>
    public const string ThreadBlocking = "CTR017";

    /// <summary>A query handler that sends commands or publishes events.</summary>
    public const string QuerySideEffect = "CTR018";

    /// <summary>A handler that catches every exception and does not rethrow: retries and dead letters never see a failure.</summary>
    public const string SwallowsExceptions = "CTR019";

    /// <summary>A public contract member that is not on the wire (a private setter without a constructor parameter, a public field).</summary>
    public const string MemberNotOnWire = "CTR020";

    /// <summary>A contract default that differs on every run (DateTime.Now, Guid.NewGuid()).</summary>
    public const string NonDeterministicDefault = "CTR021";

    /// <summary>A command or event handler that sends through an injected IMessageBus instead of its MessageContext.</summary>
    public const string BusInHandler = "CTR022";

    /// <summary>A [PartitionKey] member without a stable value, or a partition key on a query.</summary>
    public const string UnsupportedPartitionKey = "CTR023";

    /// <summary>A message a saga starts with or handles has no (or no usable) [SagaId] member to find its instance by.</summary>
    public const string SagaUncorrelated = "CTR030";

    /// <summary>A saga that no message starts (no IStartedBy&lt;T&gt;).</summary>
    public const string SagaNeverStarted = "CTR031";

    /// <summary>A saga step sends a command without a compensation, in a saga that declares compensations.</summary>
    public const string SagaMissingCompensation = "CTR032";

    /// <summary>A saga requests a timeout message it does not handle.</summary>
    public const string SagaTimeoutNotHandled = "CTR033";

    /// <summary>A saga's state cannot be serialized.</summary>
    public const string SagaStateUnserializable = "CTR034";

    /// <summary>A command that starts two sagas, or a saga and a handler: only one can receive it.</summary>
    public const string SagaAmbiguousStart = "CTR035";

    /// <summary>A saga that handles a query.</summary>
    public const string SagaHandlesQuery = "CTR036";

    /// <summary>A saga the generator cannot generate (not partial, generic, abstract, not derived from Saga&lt;TState&gt;).</summary>
    public const string SagaNotGeneratable = "CTR037";

    /// <summary>A saga step for a type that is not a command or event contract.</summary>
    public const string SagaStepOfNonContract = "CTR038";

    /// <summary>A projection reads a type that is not an [Event] contract (a command, a query, a plain type).</summary>
    public const string ProjectionOfNonEvent = "CTR055";

    /// <summary>A projection the generator cannot generate (not partial, generic, abstract, static, nested in a non-partial type).</summary>
    public const string ProjectionNotGeneratable = "CTR056";

    /// <summary>A [Projection] class that reads no event (no IProjection&lt;TEvent&gt;).</summary>
    public const string ProjectionReadsNothing = "CTR057";

    /// <summary>Two projections with the same name: they would share one checkpoint.</summary>
    public const string ProjectionNameClash = "CTR058";

    /// <summary>A contract, member or safe change that contracts.lock does not record yet.</summary>
    public const string NotInLock = "CTR040";

    /// <summary>A project with contracts and no contracts.lock: nothing is checked until one exists.</summary>
    public const string NoLockFile = "CTR041";

    /// <summary>A recorded member removed or moved, or its index reused.</summary>
    public const string LockMemberRemoved = "CTR042";

    /// <summary>A recorded member's wire type changed.</summary>
    public const string LockWireTypeChanged = "CTR043";

    /// <summary>A required member added to a recorded contract.</summary>
    public const string LockRequiredMemberAdded = "CTR044";

    /// <summary>A recorded contract's wire name, version or kind changed.</summary>
    public const string LockIdentityChanged = "CTR045";

    /// <summary>A recorded contract's idempotency key members changed.</summary>
    public const string LockKeyChanged = "CTR046";

    /// <summary>A recorded contract no longer in the project.</summary>
    public const string LockContractRemoved = "CTR047";

    /// <summary>contracts.lock has a line that cannot be read, or ContractsCompatibility an unknown value.</summary>
    public const string LockUnreadable = "CTR048";

    /// <summary>An [UpcastFrom] that does not name an older version of the contract.</summary>
    public const string BadUpcast = "CTR049";

    /// <summary>An aggregate raises an event it has no Apply method for.</summary>
    public const string AggregateRaisesUnapplied = "CTR050";

    /// <summary>An aggregate's Apply method takes a type that is not an [Event] contract.</summary>
    public const string AggregateApplyOfNonEvent = "CTR051";

    /// <summary>An aggregate the generator cannot generate (not partial, generic, abstract, not derived from Aggregate&lt;TState&gt;, bad settings).</summary>
    public const string AggregateNotGeneratable = "CTR052";

    /// <summary>An aggregate's state cannot be serialized (its snapshots are written with a generated formatter).</summary>
    public const string AggregateStateUnserializable = "CTR053";

    /// <summary>An aggregate's Apply method the generator cannot wire (static, generic, not one by-value parameter, returns a value).</summary>
    public const string AggregateApplyMisdeclared = "CTR054";

    /// <summary>The generator's last resort: it failed on a contract or a module and emitted what it could.</summary>
    public const string GeneratorError = "CTR999";

    /// <summary>Diagnostic property naming the code fix that applies (values below).</summary>
    public const string FixProperty = "Fix";

    /// <summary>CTR003: make the type and its containing types partial.</summary>
    public const string FixMakePartial = "MakePartial";

    /// <summary>CTR010: turn the setter into an init accessor.</summary>
    public const string FixSetToInit = "SetToInit";

    /// <summary>CTR008: add IQuery&lt;TResult&gt; with the result type its handler answers with.</summary>
    public const string FixAddQueryInterface = "AddQueryInterface";

    /// <summary>CTR014: add the handler interface (<see cref="InterfaceProperty"/>) to the class's own base list.</summary>
    public const string FixAddHandlerInterface = "AddHandlerInterface";

    /// <summary>CTR014: make a private nested handler internal.</summary>
    public const string FixMakeInternal = "MakeInternal";

    /// <summary>CTR017: <c>Thread.Sleep(x)</c> becomes <c>await Task.Delay(x, token)</c> in async code.</summary>
    public const string FixAwaitDelay = "AwaitDelay";

    /// <summary>CTR017: <c>semaphore.Wait()</c> becomes <c>await semaphore.WaitAsync(token)</c> in async code.</summary>
    public const string FixAwaitWaitAsync = "AwaitWaitAsync";

    /// <summary>CTR020: a public field becomes a property with get and init.</summary>
    public const string FixFieldToProperty = "FieldToProperty";

    /// <summary>CTR020: a non-public setter becomes a (public) init accessor.</summary>
    public const string FixSetterToInit = "SetterToInit";

    /// <summary>CTR022: call the handler's MessageContext (<see cref="ContextProperty"/>) instead of the injected bus.</summary>
    public const string FixUseContext = "UseContext";

    /// <summary>CTR040-CTR044, CTR041: write contracts.lock with the text in <see cref="LockProperty"/>.</summary>
    public const string FixRecordLock = "RecordLock";

    /// <summary>CTR040-CTR044, CTR041: the lock file's text with every safe change recorded.</summary>
    public const string LockProperty = "Lock";

    /// <summary>CTR022: the name of HandleAsync's MessageContext parameter.</summary>
    public const string ContextProperty = "Context";

    /// <summary>CTR014: the handler interface to add, as C# source.</summary>
    public const string InterfaceProperty = "Interface";

    /// <summary>CTR013, CTR017: the name of the token to pass.</summary>
    public const string TokenProperty = "Token";

    /// <summary>CTR013: the parameter name to pass it as (named argument), or absent to append it positionally.</summary>
    public const string TokenParameterProperty = "TokenParameter";
}
