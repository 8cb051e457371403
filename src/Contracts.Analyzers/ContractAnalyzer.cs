using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.CodeAnalysis;

/// <summary>
/// Explains why the generator skips a contract: CTR003, CTR004, CTR006, CTR008 (no IQuery&lt;TResult&gt;) and CTR009,
/// exactly the problems <see cref="ContractValidity.Analyze"/> lists, so the generator and the analyzers never disagree.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ContractAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableDictionary<string, string?> s_makePartial =
        ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, DiagnosticIds.FixMakePartial);

    private static readonly ImmutableDictionary<string, string?> s_addQueryInterface =
        ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, DiagnosticIds.FixAddQueryInterface);

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        Descriptors.NotGeneratable,
        Descriptors.UnserializableMember,
        Descriptors.SeveralKinds,
        Descriptors.QueryResult,
        Descriptors.UnsupportedKey,
    ];

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

            start.RegisterSymbolAction(static symbol => AnalyzeType(symbol), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (ContractKinds.KindOf(type, out _) is null)
        {
            return;
        }

        List<ContractProblem> problems = ContractValidity.Analyze(type, context.Compilation, out _);
        foreach (ContractProblem problem in problems)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            (DiagnosticDescriptor descriptor, ImmutableDictionary<string, string?>? properties) = problem.Kind switch
            {
                ContractProblemKind.NotGeneratable => (Descriptors.NotGeneratable, NeedsPartial(type) ? s_makePartial : null),
                ContractProblemKind.UnserializableMember => (Descriptors.UnserializableMember, null),
                ContractProblemKind.SeveralKinds => (Descriptors.SeveralKinds, null),
                ContractProblemKind.QueryWithoutResult => (Descriptors.QueryResult, s_addQueryInterface),
                _ => (Descriptors.UnsupportedKey, null),
            };

            context.ReportDiagnostic(Diagnostic.Create(descriptor, LocationOf(problem.Symbol, type), properties, problem.Detail));
        }
    }

    /// <summary>Whether being partial is what the type (or a type containing it) lacks.</summary>
    private static bool NeedsPartial(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (!ContractValidity.IsPartial(t))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The problem's own symbol when it is declared in this type's source (a member), else the type's name.</summary>
    internal static Location LocationOf(ISymbol? symbol, INamedTypeSymbol type)
    {
        if (symbol is not null)
        {
            foreach (Location location in symbol.Locations)
            {
                if (location.IsInSource)
                {
                    return location;
                }
            }
        }

        foreach (Location location in type.Locations)
        {
            if (location.IsInSource)
            {
                return location;
            }
        }

        return Location.None;
    }
}
