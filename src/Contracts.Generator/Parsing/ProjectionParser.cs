using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>
/// Turns a class marked [Projection] into a <see cref="ProjectionSpec"/> by <see cref="ProjectionRules"/>, and reports
/// CTR055 (it reads a type that is not an [Event] contract: that step is not wired), CTR056 (the class cannot be
/// generated: nothing is) and CTR057 (it reads nothing). An event whose own declaration is wrong (CTR003, CTR004...)
/// or that does not exist (CS0246) is left out without a diagnostic of its own: the compiler's says why.
/// </summary>
internal static class ProjectionParser
{
    private static readonly ProjectionParse s_nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

    public static ProjectionParse Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || (type.DeclaringSyntaxReferences.Length > 1 && context.Attributes.Length == 0))
        {
            return s_nothing;
        }

        try
        {
            return ParseProjection(type, context.TargetNode, context.SemanticModel.Compilation, cancellationToken);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort while code is being typed: a projection the generator cannot read is skipped, never a crash (CS8785).
            return s_nothing;
        }
    }

    private static ProjectionParse ParseProjection(INamedTypeSymbol type, SyntaxNode node, Compilation compilation, CancellationToken cancellationToken)
    {
        LocationInfo? at = LocationInfo.From(node is BaseTypeDeclarationSyntax declaration ? declaration.Identifier.GetLocation() : node.GetLocation());
        if (ProjectionRules.WhyNotGeneratable(type) is { } why)
        {
            return new ProjectionParse(null, new EquatableArray<DiagnosticInfo>(ImmutableArray.Create(Info(DiagnosticIds.ProjectionNotGeneratable, at, why))));
        }

        var diagnostics = new List<DiagnosticInfo>();
        List<ITypeSymbol> reads = ProjectionRules.ReadEvents(type);
        var events = new List<string>(reads.Count);
        foreach (ITypeSymbol read in reads)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (read is IErrorTypeSymbol)
            {
                continue;
            }

            if (read is not INamedTypeSymbol contract || ContractKinds.KindOf(contract, out _) is not { } kind)
            {
                diagnostics.Add(Info(DiagnosticIds.ProjectionOfNonEvent, at,
                    $"projection '{type.Name}' reads '{read.ToDisplayString()}', which is not marked [Event]; the event store holds events only, so that step is never called"));
                continue;
            }

            if (kind != ContractKind.Event)
            {
                diagnostics.Add(Info(DiagnosticIds.ProjectionOfNonEvent, at,
                    $"projection '{type.Name}' reads '{contract.Name}', which is a {(kind == ContractKind.Command ? "command" : "query")}, not an event; " +
                    "the event store holds events only (a command's outcome is the event its handler appends), so that step is never called"));
                continue;
            }

            if (contract.IsGenericType || !ContractValidity.IsValidContract(contract, compilation))
            {
                continue; // its own diagnostic says why; without its generated metadata the step cannot be wired
            }

            events.Add(TypeNames.Qualified(contract));
        }

        if (reads.Count == 0)
        {
            diagnostics.Add(Info(DiagnosticIds.ProjectionReadsNothing, at,
                $"projection '{type.Name}' reads no event: implement IProjection<TEvent> for each [Event] it keeps its read model from"));
        }

        events.Sort(System.StringComparer.Ordinal);
        string text = TypeNames.Text(type);
        var spec = new ProjectionSpec(
            Namespace: TypeNames.Namespace(type.ContainingNamespace),
            Name: type.Name,
            FullyQualifiedName: TypeNames.Qualified(type),
            HintName: "Contracts.Projection." + text.Replace('<', '_').Replace('>', '_') + ".g.cs",
            Containers: Containers(type),
            ProjectionName: ProjectionRules.StoredName(type),
            Events: events.ToEquatableArray(),
            Rebuildable: ProjectionRules.IsRebuildable(type),
            Constructor: HandlerParser.Constructor(type));
        return new ProjectionParse(spec, diagnostics.ToEquatableArray(), at);
    }

    private static DiagnosticInfo Info(string id, LocationInfo? at, string detail) =>
        new(id, at, new EquatableArray<string>(ImmutableArray.Create(detail)), null);

    private static EquatableArray<ContainerSpec> Containers(INamedTypeSymbol type)
    {
        var containers = new List<ContainerSpec>();
        for (INamedTypeSymbol? c = type.ContainingType; c is not null; c = c.ContainingType)
        {
            containers.Insert(0, new ContainerSpec(c.IsRecord ? "record" : c.TypeKind == TypeKind.Struct ? "struct" : "class", c.Name));
        }

        return containers.ToEquatableArray();
    }
}
