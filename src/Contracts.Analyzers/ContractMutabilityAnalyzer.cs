using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.CodeAnalysis;

/// <summary>CTR010: a contract member with a public setter, or of a mutable collection type (List, Dictionary, array).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ContractMutabilityAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableDictionary<string, string?> s_setToInit =
        ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, DiagnosticIds.FixSetToInit);

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Descriptors.MutableContract];

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

        // Only what is on the wire (the shared shape's members), and only for a contract the generator accepts the shape of.
        ContractValidity.Analyze(type, context.Compilation, out ObjectShape? shape);
        if (shape is null)
        {
            return;
        }

        foreach (MemberShape member in shape.Members)
        {
            IPropertySymbol property = member.Property;
            if (property.SetMethod is { IsInitOnly: false, DeclaredAccessibility: Accessibility.Public })
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MutableContract,
                    SetterLocation(property, type),
                    s_setToInit,
                    type.Name,
                    $"'{property.Name}' has a public setter (use init)"));
            }
            else if (WireKinds.Mutability(member.Type) is { } what)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MutableContract,
                    Locations.Of(property, type),
                    type.Name,
                    $"'{property.Name}' is {what}"));
            }
        }
    }

    private static Location SetterLocation(IPropertySymbol property, INamedTypeSymbol type)
    {
        if (property.SetMethod is { } setter)
        {
            foreach (SyntaxReference reference in setter.DeclaringSyntaxReferences)
            {
                return reference.GetSyntax().GetLocation();
            }
        }

        return Locations.Of(property, type);
    }
}
