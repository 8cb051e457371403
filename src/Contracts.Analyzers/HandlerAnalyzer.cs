using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.CodeAnalysis;

/// <summary>
/// Checks each handler on its own: CTR007 (it handles a type that is not a contract of its kind), CTR008 (a query
/// handler whose result type is not the query's) and CTR002 (it may run twice for the same message).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        Descriptors.NotIdempotent,
        Descriptors.HandlerOfNonContract,
        Descriptors.QueryResult,
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

            string asKind = message.Kind switch
            {
                ContractKind.Command => "a command",
                ContractKind.Event => "an event",
                _ => "a query",
            };

            if (message.Message is not INamedTypeSymbol contract || ContractKinds.KindOf(contract, out _) is not { } kind)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.HandlerOfNonContract,
                    message.Location,
                    handler.Name,
                    message.Message.ToDisplayString(),
                    asKind,
                    $"'{message.Message.Name}' is not marked [{Attribute(message.Kind)}]"));
                continue;
            }

            if (kind != message.Kind)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.HandlerOfNonContract,
                    message.Location,
                    handler.Name,
                    contract.Name,
                    asKind,
                    $"'{contract.Name}' is marked [{Attribute(kind)}]"));
                continue;
            }

            // A contract the generator skips is explained on the contract itself (CTR003 and on); nothing more to say here.
            if (!validity.IsValid(contract))
            {
                continue;
            }

            if (kind == ContractKind.Query)
            {
                ITypeSymbol? declared = ContractKinds.QueryResult(contract);
                ITypeSymbol result = message.Result!;
                if (declared is not null && result is not IErrorTypeSymbol && !HandlerRule.ResultMatches(declared, result))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.QueryResult,
                        message.Location,
                        $"'{handler.Name}' answers '{contract.Name}' with '{result.ToDisplayString()}', but '{contract.Name}' implements IQuery<{declared.ToDisplayString()}>; the handler is never wired"));
                }

                continue;
            }

            if (!ContractKinds.HasIdempotencyKey(contract) && !HandlerDiscovery.IsIdempotent(handler, known))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.NotIdempotent, message.Location, handler.Name, contract.Name));
            }
        }
    }

    private static string Attribute(ContractKind kind) => kind switch
    {
        ContractKind.Command => "Command",
        ContractKind.Event => "Event",
        _ => "Query",
    };
}
