using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.CodeAnalysis;

/// <summary>
/// CTR002: a handler that may run twice for the same message. A handler of a type that is not a contract of its kind
/// (CTR007) or with the wrong query result (CTR008) is reported by the generator, which decides what it wires; such a
/// handler compiles (the handler interfaces do not constrain the message type) and is not wired. CTR014: a class implementing a handler interface that the generator does not
/// wire (inherited from a base class, named through an alias, or a handler it cannot reach).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        Descriptors.NotIdempotent,
        Descriptors.HandlerNotWired,
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
        ReportNotWired(context, handler, handled);
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

    /// <summary>CTR014: every handler interface the class implements that <see cref="HandlerDiscovery"/> (the generator's rule) does not find.</summary>
    private static void ReportNotWired(SymbolAnalysisContext context, INamedTypeSymbol type, List<HandledMessage>? handled)
    {
        if (type.TypeKind != TypeKind.Class || type.IsAbstract || type.IsStatic || type.AllInterfaces.IsEmpty)
        {
            return;
        }

        foreach (INamedTypeSymbol @interface in type.AllInterfaces)
        {
            if (HandlerRule.KindOfInterface(@interface) is null || IsFound(@interface, handled))
            {
                continue;
            }

            string? why = WhyNotWired(type, @interface, out string? fix);
            if (why is not null)
            {
                string display = @interface.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
                ImmutableDictionary<string, string?> properties = fix is null
                    ? ImmutableDictionary<string, string?>.Empty
                    : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, fix).Add(DiagnosticIds.InterfaceProperty, display);
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.HandlerNotWired, Locations.Of(null, type), properties, type.Name, display, why));
            }
        }
    }

    private static bool IsFound(INamedTypeSymbol @interface, List<HandledMessage>? handled)
    {
        foreach (HandledMessage message in handled ?? [])
        {
            if (SymbolEqualityComparer.Default.Equals(message.Interface, @interface))
            {
                return true;
            }
        }

        return false;
    }

    private static string? WhyNotWired(INamedTypeSymbol type, INamedTypeSymbol @interface, out string? fix)
    {
        fix = null;
        if (type.IsGenericType)
        {
            return null; // an open base for others; the closed class deriving from it is the one to flag
        }

        if (!ContractValidity.IsAccessibleInAssembly(type))
        {
            fix = type.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal ? DiagnosticIds.FixMakeInternal : null;
            return "it is private or protected, so the generated registration cannot reach it; make it internal or public";
        }

        if (type.Interfaces.Contains(@interface, SymbolEqualityComparer.Default))
        {
            return $"its base list names it through an alias; name {@interface.Name}<...> itself there";
        }

        // Inherited: from an abstract or generic base (a concrete base that names it is wired itself, and this class is not its handler).
        for (INamedTypeSymbol? b = type.BaseType; b is not null; b = b.BaseType)
        {
            foreach (INamedTypeSymbol declared in b.Interfaces)
            {
                if (HandlerRule.KindOfInterface(declared) is not null && SymbolEqualityComparer.Default.Equals(declared.OriginalDefinition, @interface.OriginalDefinition))
                {
                    fix = DiagnosticIds.FixAddHandlerInterface;
                    return b.IsAbstract || b.IsGenericType
                        ? $"it inherits it from '{b.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}', and handlers are found only by the interfaces their own base list names; add {@interface.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)} to '{type.Name}'s base list"
                        : null;
                }
            }
        }

        return null;
    }
}
