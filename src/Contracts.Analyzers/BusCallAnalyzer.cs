using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Contracts.CodeAnalysis;

/// <summary>CTR015: a SendAsync, PublishAsync or QueryAsync of the bus or a message context whose task is dropped (a statement, or assigned to a discard).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BusCallAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Descriptors.NotAwaited];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownTypes.Create(start.Compilation) is null)
            {
                return;
            }

            start.RegisterOperationAction(static op => Analyze(op), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (method.Name is not ("SendAsync" or "PublishAsync" or "QueryAsync")
            || method.ContainingType is not { Name: "IMessageBus" or "MessageBus" or "MessageContext" } type
            || !WellKnownNames.IsRuntimeType(type)
            || !IsDropped(invocation))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.NotAwaited, invocation.Syntax.GetLocation(), type.Name + "." + method.Name));
    }

    /// <summary>Whether nothing receives the task: the call is a statement of its own, or assigned to <c>_</c>.</summary>
    private static bool IsDropped(IOperation operation)
    {
        IOperation? parent = operation.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation)
        {
            operation = parent;
            parent = parent.Parent;
        }

        return parent switch
        {
            IExpressionStatementOperation => true,
            ISimpleAssignmentOperation { Target: IDiscardOperation } assignment when assignment.Value == operation => true,
            _ => false,
        };
    }
}
