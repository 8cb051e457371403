using System.Collections.Immutable;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Contracts.CodeAnalysis;

/// <summary>
/// What a handler's code does, in its HandleAsync and in the methods of its own type that HandleAsync calls (lambdas and
/// local functions included): CTR012 (blocking on a task), CTR017 (blocking the thread), CTR018 (a query handler sending or
/// publishing), CTR019 (catching every exception and returning) and, in HandleAsync, CTR013 (a token not passed on).
/// CTR022: a command or event handler sending through an injected IMessageBus, reported at compilation end unless the
/// compilation's own configuration shows none of its endpoints is effectively-once (<see cref="EndpointDelivery"/>). CTR016: an async void method anywhere in a handler type. Reported when the type's analysis ends, once its call graph is known.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerAsyncAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        Descriptors.BlockingHandler,
        Descriptors.TokenNotPassed,
        Descriptors.AsyncVoid,
        Descriptors.ThreadBlocking,
        Descriptors.QuerySideEffect,
        Descriptors.SwallowsExceptions,
        Descriptors.BusInHandler,
    ];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } known || known.CancellationToken is null)
            {
                return;
            }

            EndpointDelivery delivery = EndpointDelivery.Register(start);
            start.RegisterSymbolStartAction(symbolStart =>
            {
                var type = (INamedTypeSymbol)symbolStart.Symbol;
                if (HandlerDiscovery.Find(type, symbolStart.CancellationToken) is not { } handled)
                {
                    return;
                }

                var state = new HandlerBodies(type, handled, delivery);
                symbolStart.RegisterOperationBlockStartAction(block => Start(block, known, state));
                symbolStart.RegisterSymbolEndAction(end => state.Report(end));
            }, SymbolKind.NamedType);
        });
    }

    private static void Start(OperationBlockStartAnalysisContext block, KnownTypes known, HandlerBodies state)
    {
        if (block.OwningSymbol is not IMethodSymbol method || !SymbolEqualityComparer.Default.Equals(method.ContainingType, state.Type))
        {
            return;
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            state.Add(method, Diagnostic.Create(Descriptors.AsyncVoid, method.Locations.FirstOrDefault() ?? Location.None, state.Type.Name, method.Name), always: true);
        }

        IParameterSymbol? token = HandlerToken(method, known, state.Handled, out ContractKind? kind);
        if (token is not null)
        {
            state.AddEntry(method, kind!.Value);
            block.RegisterOperationAction(op => AnalyzeTokens(op, known, state.Type, token), OperationKind.Invocation);
            block.RegisterOperationAction(op => AnalyzeCatch(op, state, method, kind.Value), OperationKind.CatchClause);
        }

        block.RegisterOperationAction(op => AnalyzeCall(op, known, state, method), OperationKind.Invocation);
        block.RegisterOperationAction(op => AnalyzePropertyReference(op, known, state, method), OperationKind.PropertyReference);
    }

    /// <summary>The CancellationToken parameter of a handler's HandleAsync, or null when the method is not one.</summary>
    private static IParameterSymbol? HandlerToken(IMethodSymbol method, KnownTypes known, List<HandledMessage> handled, out ContractKind? kind)
    {
        kind = null;
        if (method.MethodKind is not (MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation)
            || !(method.Name == WellKnownNames.HandleMethodName || method.Name.EndsWith("." + WellKnownNames.HandleMethodName, System.StringComparison.Ordinal))
            || method.Parameters.Length != 3
            || !KnownTypes.Is(method.Parameters[2].Type, known.CancellationToken))
        {
            return null;
        }

        foreach (HandledMessage message in handled)
        {
            if (SymbolEqualityComparer.Default.Equals(message.Message, method.Parameters[0].Type))
            {
                kind = message.Kind;
                return method.Parameters[2];
            }
        }

        return null;
    }

    /// <summary>CTR012, CTR017 and CTR018 candidates, kept per method, and the calls to the type's own methods (the call graph).</summary>
    private static void AnalyzeCall(OperationAnalysisContext context, KnownTypes known, HandlerBodies state, IMethodSymbol caller)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, state.Type) && method.MethodKind == MethodKind.Ordinary)
        {
            state.AddCall(caller, method.OriginalDefinition);
        }

        if (Blocking(method, known) is { } blocking)
        {
            state.Add(caller, Diagnostic.Create(Descriptors.BlockingHandler, invocation.Syntax.GetLocation(), state.Type.Name, blocking));
        }
        else if (ThreadBlocking(method) is { } wait)
        {
            state.AddThreadBlocking(caller, invocation.Syntax.GetLocation(), wait.Call, wait.Instead);
        }
        else if (method.Name is "SendAsync" or "PublishAsync" or "QueryAsync" && IsBus(method.ContainingType))
        {
            if (method.Name != "QueryAsync")
            {
                state.AddSideEffect(caller, invocation.Syntax.GetLocation(), method.ContainingType!.Name + "." + method.Name);
            }

            if (method.ContainingType!.Name == "IMessageBus")
            {
                state.AddBusCall(caller, invocation.Syntax.GetLocation(), "IMessageBus." + method.Name);
            }
        }
    }

    private static bool IsBus(INamedTypeSymbol? type) =>
        type is { Name: "IMessageBus" or "MessageContext" } && WellKnownNames.IsRuntimeType(type);

    /// <summary>A wait that blocks the thread, and what to use instead; null for anything else.</summary>
    private static (string Call, string Instead)? ThreadBlocking(IMethodSymbol method)
    {
        string? ns = method.ContainingType?.ContainingNamespace?.ToDisplayString();
        if (ns != "System.Threading")
        {
            return null;
        }

        return (method.ContainingType!.Name, method.Name) switch
        {
            ("Thread", "Sleep") => ("Thread.Sleep", "'await Task.Delay(..., cancellationToken)'"),
            ("SemaphoreSlim", "Wait") => ("SemaphoreSlim.Wait", "'await WaitAsync(cancellationToken)'"),
            ("WaitHandle" or "ManualResetEvent" or "AutoResetEvent" or "EventWaitHandle" or "Mutex" or "Semaphore", "WaitOne" or "WaitAll" or "WaitAny") => (method.ContainingType.Name + "." + method.Name, "an awaitable signal (a TaskCompletionSource, SemaphoreSlim.WaitAsync)"),
            ("ManualResetEventSlim" or "CountdownEvent", "Wait") => (method.ContainingType.Name + ".Wait", "an awaitable signal (a TaskCompletionSource, SemaphoreSlim.WaitAsync)"),
            ("Monitor", "Wait") => ("Monitor.Wait", "an awaitable signal (SemaphoreSlim.WaitAsync)"),
            ("SpinWait", "SpinUntil") => ("SpinWait.SpinUntil", "an awaitable signal"),
            _ => null,
        };
    }

    /// <summary>CTR019: a catch of every exception in a command or event handler's HandleAsync whose block never throws.</summary>
    private static void AnalyzeCatch(OperationAnalysisContext context, HandlerBodies state, IMethodSymbol method, ContractKind kind)
    {
        var clause = (ICatchClauseOperation)context.Operation;
        if (kind == ContractKind.Query || clause.Filter is not null
            || clause.ExceptionType is not { } caught
            || !(caught.SpecialType == SpecialType.System_Object || caught is { Name: "Exception", ContainingNamespace.Name: "System", ContainingNamespace.ContainingNamespace.IsGlobalNamespace: true })
            || Throws(clause.Handler))
        {
            return;
        }

        Location location = clause.Syntax is CatchClauseSyntax syntax ? syntax.CatchKeyword.GetLocation() : clause.Syntax.GetLocation();
        state.Add(method, Diagnostic.Create(Descriptors.SwallowsExceptions, location, state.Type.Name), always: true);
    }

    private static bool Throws(IOperation block)
    {
        foreach (IOperation operation in block.DescendantsAndSelf())
        {
            if (operation is IThrowOperation)
            {
                return true;
            }
        }

        return false;
    }

    private static void AnalyzePropertyReference(OperationAnalysisContext context, KnownTypes known, HandlerBodies state, IMethodSymbol caller)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property is { Name: "Result", IsStatic: false } property && known.IsTaskLike(property.ContainingType))
        {
            state.Add(caller, Diagnostic.Create(Descriptors.BlockingHandler, reference.Syntax.GetLocation(), state.Type.Name, ".Result"));
        }
    }

    private static void AnalyzeTokens(OperationAnalysisContext context, KnownTypes known, INamedTypeSymbol handler, IParameterSymbol token)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (Blocking(method, known) is not null)
        {
            return;
        }

        bool asyncEnumerable = KnownTypes.Is(method.ReturnType.OriginalDefinition, known.AsyncEnumerable);
        if (!known.IsTaskLike(method.ReturnType) && !asyncEnumerable)
        {
            return;
        }

        // source.ReadAllAsync().WithCancellation(token): the enumeration takes the token where it is enumerated.
        if (asyncEnumerable && IsGivenTokenWhenEnumerated(invocation))
        {
            return;
        }

        // An optional token parameter left out.
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter && KnownTypes.Is(parameter.Type, known.CancellationToken))
            {
                if (argument.ArgumentKind == ArgumentKind.DefaultValue)
                {
                    ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty
                        .Add(DiagnosticIds.TokenProperty, token.Name)
                        .Add(DiagnosticIds.TokenParameterProperty, parameter.Name);
                    Report(context, invocation, handler, method, token, properties);
                }

                return;
            }
        }

        // An overload that takes the same parameters and a token last.
        if (HasTokenOverload(method, known, context.ContainingSymbol.ContainingType, context.Compilation))
        {
            Report(context, invocation, handler, method, token, ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.TokenProperty, token.Name));
        }
    }

    /// <summary>Whether an async sequence is the receiver of <c>WithCancellation(token)</c>, directly or through <c>ConfigureAwait</c>.</summary>
    private static bool IsGivenTokenWhenEnumerated(IInvocationOperation invocation)
    {
        IOperation current = invocation;
        for (int i = 0; i < 4; i++)
        {
            IOperation? parent = current.Parent;
            while (parent is IConversionOperation or IParenthesizedOperation)
            {
                current = parent;
                parent = parent.Parent;
            }

            IInvocationOperation? outer = parent switch
            {
                IArgumentOperation { Parent: IInvocationOperation call } argument when call.TargetMethod.IsExtensionMethod && call.Arguments.Length > 0 && call.Arguments[0] == argument => call,
                IInvocationOperation call when call.Instance == current => call,
                _ => null,
            };
            if (outer is null)
            {
                return false;
            }

            if (outer.TargetMethod.Name == "WithCancellation")
            {
                return true;
            }

            if (outer.TargetMethod.Name != "ConfigureAwait")
            {
                return false;
            }

            current = outer;
        }

        return false;
    }

    private static void Report(OperationAnalysisContext context, IInvocationOperation invocation, INamedTypeSymbol handler, IMethodSymbol method, IParameterSymbol token, ImmutableDictionary<string, string?> properties) =>
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.TokenNotPassed,
            invocation.Syntax.GetLocation(),
            properties,
            handler.Name,
            method.ContainingType.Name + "." + method.Name,
            token.Name));

    /// <summary>".Wait()", ".GetAwaiter().GetResult()" or "Task.WaitAll" when the call blocks on a task, else null.</summary>
    private static string? Blocking(IMethodSymbol method, KnownTypes known)
    {
        if (method.Name is "Wait" or "WaitAll" or "WaitAny" && KnownTypes.Is(method.ContainingType.OriginalDefinition, known.Task))
        {
            return method.IsStatic ? "Task." + method.Name : ".Wait()";
        }

        if (method is { Name: "GetResult", IsStatic: false, Parameters.Length: 0 }
            && method.ContainingType is { } awaiter && awaiter.Name.EndsWith("Awaiter", System.StringComparison.Ordinal)
            && awaiter.ContainingNamespace?.ToDisplayString() == "System.Runtime.CompilerServices")
        {
            return ".GetAwaiter().GetResult()";
        }

        return null;
    }

    private static bool HasTokenOverload(IMethodSymbol method, KnownTypes known, INamedTypeSymbol within, Compilation compilation)
    {
        IMethodSymbol original = method.OriginalDefinition;
        foreach (ISymbol member in original.ContainingType.GetMembers(original.Name))
        {
            if (member is not IMethodSymbol candidate
                || candidate.IsStatic != original.IsStatic
                || candidate.Arity != original.Arity
                || candidate.Parameters.Length != original.Parameters.Length + 1
                || !KnownTypes.Is(candidate.Parameters[candidate.Parameters.Length - 1].Type, known.CancellationToken)
                || candidate.GetAttributes().Length > 0 && IsObsolete(candidate)
                || !compilation.IsSymbolAccessibleWithin(candidate, within))
            {
                continue;
            }

            bool same = true;
            for (int i = 0; i < original.Parameters.Length; i++)
            {
                if (original.Parameters[i].RefKind != candidate.Parameters[i].RefKind
                    || original.Parameters[i].Type.ToDisplayString() != candidate.Parameters[i].Type.ToDisplayString())
                {
                    same = false;
                    break;
                }
            }

            if (same)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsObsolete(ISymbol symbol)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "ObsoleteAttribute" })
            {
                return true;
            }
        }

        return false;
    }
}
