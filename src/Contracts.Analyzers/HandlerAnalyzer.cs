using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.CodeAnalysis;

/// <summary>
/// CTR002: a handler that may run twice for the same message. A handler of a type that is not a contract of its kind
/// (CTR007) or with the wrong query result (CTR008) is reported by the generator: the compiler stops at the interface's
/// constraint (CS0311) before analyzers run.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        Descriptors.NotIdempotent,
    ];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } known)
            {
                return;
            }

            var validity = new ContractValidityCache(start.Compilation);
            start.RegisterSymbolAction(symbol => AnalyzeType(symbol, known, validity), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypes known, ContractValidityCache validity)
    {
        var handler = (INamedTypeSymbol)context.Symbol;
        List<HandledMessage>? handled = HandlerDiscovery.Find(handler, context.CancellationToken);
        if (handled is null)
        {
            return;
        }

        foreach (HandledMessage message in handled)
        {
            if (message.Message is IErrorTypeSymbol || message.Message.TypeKind == TypeKind.Error)
            {
                continue; // being typed: the compiler already says the type is unknown
            }

            // Only a handler the generator wires: a contract of the interface's kind (else CTR007), valid (else the contract's own
            // diagnostic), with the query's result (else CTR008); queries are never at-least-once side effects.
            if (message.Message is not INamedTypeSymbol contract
                || message.Kind == ContractKind.Query
                || !HandlerRule.Wires(message.Kind, contract, message.Result)
                || !validity.IsValid(contract))
            {
                continue;
            }

            if (!ContractKinds.HasIdempotencyKey(contract) && !HandlerDiscovery.IsIdempotent(handler, known))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.NotIdempotent, message.Location, handler.Name, contract.Name));
            }
        }
    }
}
