using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Contracts.CodeAnalysis;

/// <summary>
/// Async mistakes inside a handler's HandleAsync (lambdas and local functions included): CTR012 (blocking on a task
/// with .Result, .Wait() or .GetAwaiter().GetResult()) and CTR013 (an asynchronous call that could take the
/// handler's cancellation token but is not given one).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerAsyncAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        Descriptors.BlockingHandler,
        Descriptors.TokenNotPassed,
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

            start.RegisterOperationBlockStartAction(block =>
            {
                if (block.OwningSymbol is not IMethodSymbol method || HandlerToken(method, known, block.CancellationToken) is not { } token)
                {
                    return;
                }

                INamedTypeSymbol handler = method.ContainingType;
                block.RegisterOperationAction(op => AnalyzeInvocation(op, known, handler, token), OperationKind.Invocation);
                block.RegisterOperationAction(op => AnalyzePropertyReference(op, known, handler), OperationKind.PropertyReference);
            });
        });
    }

    /// <summary>The CancellationToken parameter of a handler's HandleAsync, or null when the method is not one.</summary>
    private static IParameterSymbol? HandlerToken(IMethodSymbol method, KnownTypes known, System.Threading.CancellationToken cancellationToken)
    {
        if (method.MethodKind is not (MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation)
            || !(method.Name == WellKnownNames.HandleMethodName || method.Name.EndsWith("." + WellKnownNames.HandleMethodName, System.StringComparison.Ordinal))
            || method.Parameters.Length != 3
            || !KnownTypes.Is(method.Parameters[2].Type, known.CancellationToken)
            || HandlerDiscovery.Find(method.ContainingType, cancellationToken) is not { } handled)
        {
            return null;
        }

        foreach (HandledMessage message in handled)
        {
            if (SymbolEqualityComparer.Default.Equals(message.Message, method.Parameters[0].Type))
            {
                return method.Parameters[2];
            }
        }

        return null;
    }

    private static void AnalyzePropertyReference(OperationAnalysisContext context, KnownTypes known, INamedTypeSymbol handler)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property is { Name: "Result", IsStatic: false } property && known.IsTaskLike(property.ContainingType))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.BlockingHandler, reference.Syntax.GetLocation(), handler.Name, ".Result"));
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, KnownTypes known, INamedTypeSymbol handler, IParameterSymbol token)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;

        if (Blocking(method, known) is { } blocking)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.BlockingHandler, invocation.Syntax.GetLocation(), handler.Name, blocking));
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
