using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>
/// Turns a class marked [Aggregate] into an <see cref="AggregateSpec"/> by <see cref="AggregateRules"/>, and reports its
/// rules: CTR052 (the class cannot be generated) and CTR053 (its state cannot be serialized) stop generation; CTR050 (a
/// Raise of an event without an Apply), CTR051 (an Apply of a non-event) and CTR054 (an Apply it cannot wire) do not:
/// the other Apply methods are still wired, so the aggregate's own code and its callers compile and only the rule shows.
/// </summary>
internal static class AggregateParser
{
    private static readonly AggregateParse s_nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

    public static AggregateParse Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || !(type.DeclaringSyntaxReferences.Length < 2 || context.Attributes.Length > 0))
        {
            return s_nothing;
        }

        try
        {
            return ParseAggregate(type, context.TargetNode, context.SemanticModel, cancellationToken);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort while code is being typed: an aggregate the generator cannot read is skipped, never a crash (CS8785).
            return s_nothing;
        }
    }

    private static AggregateParse ParseAggregate(INamedTypeSymbol type, SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        Compilation compilation = model.Compilation;
        var diagnostics = new List<DiagnosticInfo>();
        LocationInfo? at = LocationInfo.From(node is BaseTypeDeclarationSyntax declaration ? declaration.Identifier.GetLocation() : node.GetLocation());
        if (AggregateRules.WhyNotGeneratable(type) is { } why)
        {
            return Stop(DiagnosticIds.AggregateNotGeneratable, at, why);
        }

        (string? name, int snapshotEvery, int stateVersion) = AggregateRules.Settings(type);
        string streamName = name ?? AggregateRules.KebabCase(type.Name);
        if (AggregateRules.WhyNotStreamName(streamName) is { } badName)
        {
            return Stop(DiagnosticIds.AggregateNotGeneratable, at, $"the stream name '{streamName}' of aggregate '{type.Name}' cannot be used: {badName}");
        }

        if (snapshotEvery < 0)
        {
            return Stop(DiagnosticIds.AggregateNotGeneratable, at, $"aggregate '{type.Name}' has SnapshotEvery = {snapshotEvery}; use 0 (no snapshots) or the number of events between snapshots");
        }

        ITypeSymbol state = AggregateRules.StateOf(type)!;
        if (state is IErrorTypeSymbol)
        {
            return s_nothing;
        }

        TypeShape stateShape = WireTypeClassifier.Classify(state, compilation, new List<INamedTypeSymbol>(4), 1);
        if (stateShape.Problem is { } problem)
        {
            return Stop(DiagnosticIds.AggregateStateUnserializable, at, $"the state '{state.ToDisplayString()}' of aggregate '{type.Name}' cannot be serialized for its snapshots: {problem}");
        }

        var applies = new List<AggregateApplySpec>();
        var applied = new List<INamedTypeSymbol>();
        foreach (ISymbol member in type.GetMembers(AggregateRules.ApplyMethodName))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method)
            {
                continue;
            }

            LocationInfo? where = method.Locations.Length > 0 ? LocationInfo.From(method.Locations[0]) : at;
            if (method.IsStatic || method.IsGenericMethod || method.Parameters.Length != 1 || method.Parameters[0].RefKind != RefKind.None || !method.ReturnsVoid)
            {
                diagnostics.Add(Info(DiagnosticIds.AggregateApplyMisdeclared, where,
                    $"'{type.Name}.{method.Name}' cannot be wired: an Apply method is an instance method 'void Apply(TEvent e)' with one by-value parameter and no type parameters"));
                continue;
            }

            ITypeSymbol parameter = method.Parameters[0].Type;
            if (parameter is IErrorTypeSymbol)
            {
                continue;
            }

            if (parameter is not INamedTypeSymbol @event || ContractKinds.KindOf(@event, out _) != ContractKind.Event)
            {
                diagnostics.Add(Info(DiagnosticIds.AggregateApplyOfNonEvent, where,
                    $"'{type.Name}.Apply({parameter.ToDisplayString()})' applies a type that is not marked [Event]; an aggregate's stream holds events only, so it is never called"));
                continue;
            }

            applied.Add(@event);
            if (ContractValidity.IsValidContract(@event, compilation))
            {
                applies.Add(new AggregateApplySpec(TypeNames.Qualified(@event), @event.Name, Depth(@event)));
            }
        }

        ReportUnappliedRaises(type, model, applied, diagnostics, cancellationToken);
        (TypeSpec stateSpec, EquatableArray<ObjectSpec> objects, EquatableArray<EnumSpec> enums) = ContractParser.StateSpec(stateShape, compilation, cancellationToken);

        // Derived events first (a case for a base type would take them), then by name, for a stable output.
        applies.Sort(static (a, b) => a.Depth != b.Depth ? b.Depth.CompareTo(a.Depth) : string.CompareOrdinal(a.EventType, b.EventType));
        string text = TypeNames.Text(type);
        var spec = new AggregateSpec(
            Namespace: TypeNames.Namespace(type.ContainingNamespace),
            Name: type.Name,
            FullyQualifiedName: TypeNames.Qualified(type),
            HintName: "Contracts.Aggregate." + text.Replace('<', '_').Replace('>', '_') + ".g.cs",
            Containers: Containers(type),
            AggregateName: streamName,
            SnapshotEvery: snapshotEvery,
            StateShape: stateVersion.ToString(CultureInfo.InvariantCulture) + "-" + Fingerprint(stateSpec, objects, enums),
            StateType: TypeNames.Qualified(state),
            State: stateSpec,
            NestedObjects: objects,
            NestedEnums: enums,
            Applies: applies.ToEquatableArray());
        return new AggregateParse(spec, diagnostics.ToEquatableArray());
    }

    /// <summary>CTR050 for every Raise of an event type (known at compile time) that no Apply takes, nor a base of it.</summary>
    private static void ReportUnappliedRaises(INamedTypeSymbol type, SemanticModel model, List<INamedTypeSymbol> applied, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var reported = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            SyntaxNode declaration = reference.GetSyntax(cancellationToken);
            SemanticModel treeModel = declaration.SyntaxTree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(declaration.SyntaxTree);
            foreach (SyntaxNode descendant in declaration.DescendantNodes())
            {
                if (descendant is not InvocationExpressionSyntax invocation || !NamesRaise(invocation.Expression))
                {
                    continue;
                }

                // Before generation an event does not implement IEvent yet (its partial adds it), so Raise binds only as a
                // candidate: the event's type is then read from the argument.
                SymbolInfo info = treeModel.GetSymbolInfo(invocation, cancellationToken);
                if ((info.Symbol ?? (info.CandidateSymbols.Length == 1 ? info.CandidateSymbols[0] : null)) is not IMethodSymbol method
                    || !AggregateRules.IsRaise(method.OriginalDefinition))
                {
                    continue;
                }

                ITypeSymbol? raisedType = method.TypeArguments[0] is ITypeParameterSymbol && invocation.ArgumentList.Arguments.Count == 1
                    ? treeModel.GetTypeInfo(invocation.ArgumentList.Arguments[0].Expression, cancellationToken).Type
                    : method.TypeArguments[0];
                if (raisedType is not INamedTypeSymbol raised || raised.TypeKind != TypeKind.Class || raised.IsAbstract
                    || ContractKinds.KindOf(raised, out _) != ContractKind.Event || IsApplied(raised, applied))
                {
                    continue; // an IEvent or an abstract base: only the run time knows which event it is
                }

                string key = raised.ToDisplayString() + "@" + invocation.SpanStart.ToString(CultureInfo.InvariantCulture);
                if (reported.Add(key))
                {
                    diagnostics.Add(Info(DiagnosticIds.AggregateRaisesUnapplied, LocationInfo.From(invocation.GetLocation()),
                        $"'{type.Name}' raises '{raised.Name}' but has no 'void Apply({raised.Name} e)': the event would change nothing now or when the stream is replayed (and Raise throws at run time)"));
                }
            }
        }
    }

    private static bool NamesRaise(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax { Identifier.ValueText: AggregateRules.RaiseMethodName } => true,
        GenericNameSyntax { Identifier.ValueText: AggregateRules.RaiseMethodName } => true,
        MemberAccessExpressionSyntax { Name.Identifier.ValueText: AggregateRules.RaiseMethodName } => true,
        _ => false,
    };

    private static bool IsApplied(INamedTypeSymbol raised, List<INamedTypeSymbol> applied)
    {
        for (INamedTypeSymbol? t = raised; t is not null; t = t.BaseType)
        {
            foreach (INamedTypeSymbol a in applied)
            {
                if (SymbolEqualityComparer.Default.Equals(a, t))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int Depth(INamedTypeSymbol type)
    {
        int depth = 0;
        for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
        {
            depth++;
        }

        return depth;
    }

    /// <summary>
    /// A fingerprint of the state's wire shape: its type, and for every object in it the members' indexes, names and
    /// types, FNV-1a 64 over that text. Two states that write the same bytes in the same layout have the same one.
    /// </summary>
    internal static string Fingerprint(TypeSpec state, EquatableArray<ObjectSpec> objects, EquatableArray<EnumSpec> enums)
    {
        var text = new StringBuilder();
        Describe(text, state);
        foreach (ObjectSpec o in objects)
        {
            text.Append('|').Append(o.FullyQualifiedName).Append('{');
            foreach (MemberSpec m in o.Members)
            {
                text.Append(m.Index.ToString(CultureInfo.InvariantCulture)).Append(':').Append(m.Name).Append(':');
                Describe(text, m.Type);
                text.Append(';');
            }

            text.Append('}');
        }

        foreach (EnumSpec e in enums)
        {
            text.Append('|').Append(e.FullyQualifiedName).Append(':').Append(e.ReadMethod);
        }

        ulong hash = 14695981039346656037UL;
        foreach (char c in text.ToString())
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static void Describe(StringBuilder text, TypeSpec type)
    {
        text.Append(((int)type.Kind).ToString(CultureInfo.InvariantCulture)).Append(':').Append(type.FullyQualifiedName);
        if (type.Arguments.Count > 0)
        {
            text.Append('<');
            foreach (TypeSpec argument in type.Arguments)
            {
                Describe(text, argument);
                text.Append(',');
            }

            text.Append('>');
        }
    }

    private static AggregateParse Stop(string id, LocationInfo? at, string detail) =>
        new(null, new EquatableArray<DiagnosticInfo>(ImmutableArray.Create(Info(id, at, detail))));

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
