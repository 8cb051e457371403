using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Contracts.CodeAnalysis;

/// <summary>
/// CTR010: a contract member with a public setter, or of a mutable collection type (List, Dictionary, array), in the
/// contract or in a record or class it carries. CTR020: a public member that is not on the wire. CTR021: a property
/// initializer that differs on every run.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ContractMutabilityAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableDictionary<string, string?> s_setToInit =
        ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, DiagnosticIds.FixSetToInit);

    private static readonly ImmutableDictionary<string, string?> s_fieldToProperty =
        ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, DiagnosticIds.FixFieldToProperty);

    private static readonly ImmutableDictionary<string, string?> s_setterToInit =
        ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, DiagnosticIds.FixSetterToInit);

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        Descriptors.MutableContract,
        Descriptors.MemberNotOnWire,
        Descriptors.NonDeterministicDefault,
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
            start.RegisterOperationAction(static op => AnalyzeInitializer(op), OperationKind.PropertyInitializer);
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

        var visited = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default) { type };
        ReportMutable(context, type, shape, null, visited);
        ReportNotOnWire(context, type, shape);
    }

    /// <summary>CTR010 on the contract's members and, through <paramref name="via"/>, on those of the records and classes it carries.</summary>
    private static void ReportMutable(SymbolAnalysisContext context, INamedTypeSymbol contract, ObjectShape shape, string? via, HashSet<INamedTypeSymbol> visited)
    {
        foreach (MemberShape member in shape.Members)
        {
            IPropertySymbol property = member.Property;
            string name = via is null ? $"'{property.Name}'" : $"'{shape.Type.Name}.{property.Name}' (in {via})";
            Location location = via is null ? Locations.Of(property, contract) : Locations.Of(null, contract);
            if (property.SetMethod is { IsInitOnly: false, DeclaredAccessibility: Accessibility.Public })
            {
                context.ReportDiagnostic(via is null
                    ? Diagnostic.Create(Descriptors.MutableContract, SetterLocation(property, contract), s_setToInit, contract.Name, $"{name} has a public setter (use init)")
                    : Diagnostic.Create(Descriptors.MutableContract, location, contract.Name, $"{name} has a public setter (use init)"));
            }
            else if (WireKinds.Mutability(member.Type) is { } what)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.MutableContract, location, contract.Name, $"{name} is {what}"));
            }

            ReportNested(context, contract, member.Type, via ?? $"'{property.Name}'", visited);
        }
    }

    private static void ReportNested(SymbolAnalysisContext context, INamedTypeSymbol contract, TypeShape type, string via, HashSet<INamedTypeSymbol> visited)
    {
        if (type.Object is { } nested && nested.Type.Locations.Any(static l => l.IsInSource) && visited.Add(nested.Type))
        {
            ReportMutable(context, contract, nested, via, visited);
        }

        foreach (TypeShape argument in type.Arguments)
        {
            ReportNested(context, contract, argument, via, visited);
        }
    }

    /// <summary>CTR020: a public instance field, or a public property with a non-public setter that no constructor parameter sets.</summary>
    private static void ReportNotOnWire(SymbolAnalysisContext context, INamedTypeSymbol contract, ObjectShape shape)
    {
        foreach (ISymbol member in contract.GetMembers())
        {
            if (member.IsStatic || member.IsImplicitlyDeclared || member.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            (string? why, ImmutableDictionary<string, string?>? fix) = member switch
            {
                IFieldSymbol { IsConst: false } => ("it is a field (only properties are serialized; make it a property with init)", s_fieldToProperty),
                IPropertySymbol { SetMethod: { DeclaredAccessibility: not Accessibility.Public } } property when !OnWire(shape, property) =>
                    ("its setter is not public and no constructor parameter sets it (use init, or add a constructor parameter)", s_setterToInit),
                _ => ((string?)null, (ImmutableDictionary<string, string?>?)null),
            };
            if (why is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.MemberNotOnWire, Locations.Of(member, contract), fix, contract.Name, member.Name, why));
            }
        }
    }

    private static bool OnWire(ObjectShape shape, IPropertySymbol property)
    {
        foreach (MemberShape member in shape.Members)
        {
            if (SymbolEqualityComparer.Default.Equals(member.Property, property))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>CTR021: a contract property initialized with the clock, a new Guid or a random number.</summary>
    private static void AnalyzeInitializer(OperationAnalysisContext context)
    {
        var initializer = (IPropertyInitializerOperation)context.Operation;
        if (initializer.InitializedProperties.IsEmpty
            || initializer.InitializedProperties[0] is not { IsStatic: false, ContainingType: { } type } property
            || ContractKinds.KindOf(type, out _) is null)
        {
            return;
        }

        foreach (IOperation operation in initializer.Value.DescendantsAndSelf())
        {
            string? what = operation switch
            {
                IPropertyReferenceOperation { Property: { IsStatic: true } p } when IsSystem(p.ContainingType, "DateTime", "DateTimeOffset") && p.Name is "Now" or "UtcNow" or "Today" => $"{p.ContainingType.Name}.{p.Name}",
                IPropertyReferenceOperation { Property: { IsStatic: true, Name: "TickCount" or "TickCount64" } p } when IsSystem(p.ContainingType, "Environment") => $"Environment.{p.Name}",
                IInvocationOperation { TargetMethod: { IsStatic: true, Name: "NewGuid" or "CreateVersion7" } m } when IsSystem(m.ContainingType, "Guid") => $"Guid.{m.Name}()",
                IObjectCreationOperation { Type: INamedTypeSymbol created } when IsSystem(created, "Random") => "new Random()",
                IPropertyReferenceOperation { Property: { IsStatic: true, Name: "Shared" } p } when IsSystem(p.ContainingType, "Random") => "Random.Shared",
                _ => null,
            };
            if (what is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.NonDeterministicDefault, initializer.Value.Syntax.GetLocation(), type.Name, property.Name, what));
                return;
            }
        }
    }

    private static bool IsSystem(INamedTypeSymbol? type, params string[] names) =>
        type is { ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } && System.Array.IndexOf(names, type.Name) >= 0;

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
