using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Emit.WireTypes;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>
/// Turns a type marked [Command], [Event] or [Query] into a <see cref="ContractSpec"/>, or null when it is not a valid
/// contract. The conversion of checked shapes into equatable specs is in ContractParser.Specs.cs.
/// </summary>
internal static partial class ContractParser
{
    private static readonly ContractParse s_nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

    /// <summary>
    /// The contract's spec and its diagnostics. A contract with problems gets the diagnostics that explain them and, where
    /// its declaration allows a partial (a member that cannot be serialized, a bad key, a query without a result), the
    /// marker surface without a formatter, so its handlers and senders still compile and the user sees one diagnostic
    /// per mistake instead of CS0311 on every send.
    /// </summary>
    public static ContractParse Parse(GeneratorAttributeSyntaxContext context, ParseCache<ContractParse> cache, CancellationToken cancellationToken)
    {
        // This runs for every contract on every compilation: the parse of a declaration nothing it read has touched since is reused.
        CompilationSnapshot snapshot = cache.SnapshotOf(context.SemanticModel.Compilation);
        if (cache.Find(context.TargetNode, snapshot) is { } kept)
        {
            return kept;
        }

        if (context.TargetSymbol is not INamedTypeSymbol type)
        {
            return s_nothing;
        }

        ContractKind? kind = ContractKinds.KindOf(type, out int kinds);
        if (kind is null || !IsFirstReport(context, type, kind.Value, cancellationToken))
        {
            return s_nothing;
        }

        try
        {
            var dependencies = new ParseDependencies();
            ContractParse parse = ParseContract(type, kind.Value, kinds, context.SemanticModel.Compilation, dependencies, cancellationToken);

            // Only a valid contract is kept: what a problem depends on is not tracked, and code with mistakes is rare.
            if (parse.Diagnostics.Count == 0 && parse.Spec is { Error: null, Blocked: null })
            {
                cache.Keep(context.TargetNode, snapshot, parse, dependencies);
            }

            return parse;
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort: keep the public surface so the user sees one diagnostic, not a cascade of errors.
            return new ContractParse(Fallback(type, kind.Value, ex), EquatableArray<DiagnosticInfo>.Empty);
        }
    }

    /// <summary>
    /// Whether this attribute and declaration are the ones that speak for the type: a type marked twice (CTR006) is seen by
    /// two of the three attribute steps, and a partial type marked in two declarations once per declaration; only the
    /// first kind's step, on the first marked declaration, parses it, so nothing is generated or reported twice.
    /// </summary>
    private static bool IsFirstReport(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, ContractKind kind, CancellationToken cancellationToken)
    {
        if (context.Attributes.Length == 0 || ContractKinds.KindOfAttribute(context.Attributes[0].AttributeClass) != kind)
        {
            return false;
        }

        ImmutableArray<SyntaxReference> references = type.DeclaringSyntaxReferences;
        if (references.Length < 2)
        {
            return true;
        }

        foreach (SyntaxReference reference in references)
        {
            if (reference.GetSyntax(cancellationToken) is MemberDeclarationSyntax marked && HasContractAttributeSyntax(marked))
            {
                return marked == context.TargetNode;
            }
        }

        // Marked through an alias syntax cannot see: every declaration speaks (rare, and at worst a duplicate).
        return true;
    }

    private static bool HasContractAttributeSyntax(MemberDeclarationSyntax declaration)
    {
        foreach (AttributeListSyntax list in declaration.AttributeLists)
        {
            foreach (AttributeSyntax attribute in list.Attributes)
            {
                string name = HandlerRule.LastName(attribute.Name)?.Identifier.ValueText ?? "";
                if (name is "Command" or "Event" or "Query" or "CommandAttribute" or "EventAttribute" or "QueryAttribute")
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static ContractParse ParseContract(INamedTypeSymbol type, ContractKind kind, int kinds, Compilation compilation, ParseDependencies dependencies, CancellationToken cancellationToken)
    {
        List<ContractProblem> problems = ContractValidity.Analyze(type, compilation, out ObjectShape? shape);
        cancellationToken.ThrowIfCancellationRequested();
        if (problems.Count == 0 && shape is not null)
        {
            var upcastProblems = new List<DiagnosticInfo>();
            ContractSpec valid = ParseValid(type, kind, shape, compilation, dependencies, cancellationToken);
            valid = valid with { Upcasts = UpcastParser.Parse(type, kind, valid.WireName, valid.Version, shape, compilation, upcastProblems) };
            if (valid.Upcasts.Count > 0)
            {
                UpcastParser.AddDependencies(type, dependencies);
            }

            return new ContractParse(valid, upcastProblems.Count == 0 ? EquatableArray<DiagnosticInfo>.Empty : upcastProblems.ToEquatableArray());
        }

        // The type itself passed (the shape was built) and is of one kind: the compiler accepts a generated partial of it.
        bool surface = kinds == 1 && shape is not null;
        ImmutableArray<DiagnosticInfo>.Builder diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>(problems.Count);
        foreach (ContractProblem problem in problems)
        {
            (string id, string? fix) = problem.Kind switch
            {
                ContractProblemKind.NotGeneratable => (DiagnosticIds.NotGeneratable, NeedsPartial(type) ? DiagnosticIds.FixMakePartial : null),
                ContractProblemKind.UnserializableMember => (DiagnosticIds.UnserializableMember, (string?)null),
                ContractProblemKind.SeveralKinds => (DiagnosticIds.SeveralKinds, null),
                ContractProblemKind.QueryWithoutResult => (DiagnosticIds.QueryResult, DiagnosticIds.FixAddQueryInterface),
                ContractProblemKind.UnsupportedPartitionKey => (DiagnosticIds.UnsupportedPartitionKey, null),
                _ => (DiagnosticIds.UnsupportedKey, null),
            };

            diagnostics.Add(new DiagnosticInfo(
                id,
                LocationInfo.From(Locations.Of(problem.Symbol, type)),
                new EquatableArray<string>(ImmutableArray.Create(problem.Detail)),
                fix));
        }

        ContractSpec? spec = surface ? Surface(type, kind, problems[0].Detail) : null;
        return new ContractParse(spec, new EquatableArray<DiagnosticInfo>(diagnostics.MoveToImmutable()));
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

    private static ContractSpec ParseValid(INamedTypeSymbol type, ContractKind kind, ObjectShape shape, Compilation compilation, ParseDependencies dependencies, CancellationToken cancellationToken)
    {
        string? result = kind == ContractKind.Query ? TypeNames.Qualified(ContractKinds.QueryResult(type)!) : null;
        dependencies.Add(type);
        var nested = new Nested { Dependencies = dependencies };
        ObjectSpec root = ToSpec(shape, "__ContractsFormatter", nested, compilation, cancellationToken);

        // A result the rules cannot serialize is left out, not reported: the query still works in process.
        TypeSpec? resultSpec = kind == ContractKind.Query && ContractValidity.QueryResultShape(type, compilation) is { Problem: null } resultShape
            ? ToSpec(resultShape, nested, compilation, cancellationToken)
            : null;

        // One spelling of the type as text serves the hint name and the default wire name.
        string text = TypeNames.Text(type);
        (string Name, int Version) wire = ContractKinds.NameAndVersion(type, text);
        return new ContractSpec(
            Namespace: TypeNames.Namespace(type.ContainingNamespace),
            Name: type.Name,
            FullyQualifiedName: TypeNames.Qualified(type),
            HintName: HintName(text),
            Containers: Containers(type),
            Keyword: Keyword(type),
            WireName: wire.Name,
            Version: wire.Version,
            Kind: kind,
            ResultType: result,
            Result: resultSpec,
            Shape: root,
            NestedObjects: nested.ToSortedArray(),
            NestedEnums: nested.ToSortedEnums(),
            Error: null);
    }

    /// <summary>The marker surface of a contract with reported problems: no formatter, never in the catalog, handlers not wired.</summary>
    private static ContractSpec Surface(INamedTypeSymbol type, ContractKind kind, string problem) =>
        Fallback(type, kind, null) with { Blocked = problem };

    private static ContractSpec Fallback(INamedTypeSymbol type, ContractKind kind, System.Exception? ex)
    {
        ITypeSymbol? result = kind == ContractKind.Query ? ContractKinds.QueryResult(type) : null;
        (string Name, int Version) wire = ContractKinds.NameAndVersion(type);
        return new ContractSpec(
            Namespace: TypeNames.Namespace(type.ContainingNamespace),
            Name: type.Name,
            FullyQualifiedName: TypeNames.Qualified(type),
            HintName: HintName(TypeNames.Text(type)),
            Containers: Containers(type),
            Keyword: Keyword(type),
            WireName: wire.Name,
            Version: wire.Version,
            Kind: kind,
            ResultType: result is null ? null : TypeNames.Qualified(result),
            Result: null,
            Shape: new ObjectSpec(TypeNames.Qualified(type), "__ContractsFormatter", false, 0, EquatableArray<MemberSpec>.Empty),
            NestedObjects: EquatableArray<ObjectSpec>.Empty,
            NestedEnums: EquatableArray<EnumSpec>.Empty,
            Error: ex is null ? null : $"{ex.GetType().Name}: {ex.Message}");
    }

    private static string HintName(string text)
    {
        // Plain text (no @ escapes: a hint name allows letters, digits, '.', '_', '-', ',', '+', ' ', '(', ')', '[', ']', '{', '}', '~').
        return "Contracts." + text.Replace('<', '_').Replace('>', '_') + ".g.cs";
    }

    private static EquatableArray<ContainerSpec> Containers(INamedTypeSymbol type)
    {
        if (type.ContainingType is null)
        {
            return EquatableArray<ContainerSpec>.Empty;
        }

        var containers = new List<ContainerSpec>();
        for (INamedTypeSymbol? c = type.ContainingType; c is not null; c = c.ContainingType)
        {
            containers.Insert(0, new ContainerSpec(Keyword(c), c.Name));
        }

        return containers.ToEquatableArray();
    }

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
