using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>
/// Turns a class marked [Saga] into a <see cref="SagaSpec"/> by <see cref="SagaRules"/>, and reports the rules that stop
/// generation or wiring: CTR030 (a step's message without a usable [SagaId]), CTR031 (nothing starts it), CTR034 (its
/// state cannot be serialized), CTR036 (a query), CTR037 (the class cannot be generated), CTR038 (not a contract).
/// A saga with any of them is not generated at all: its own code names nothing the generator writes, so nothing else fails.
/// </summary>
internal static class SagaParser
{
    private static readonly SagaParse s_nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

    public static SagaParse Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || !IsFirstDeclaration(context, type))
        {
            return s_nothing;
        }

        try
        {
            return ParseSaga(type, context.TargetNode, context.SemanticModel.Compilation, cancellationToken);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort while code is being typed: a saga the generator cannot read is skipped, never a crash (CS8785).
            return s_nothing;
        }
    }

    /// <summary>A partial saga marked in one declaration is parsed once, for that declaration.</summary>
    private static bool IsFirstDeclaration(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type) =>
        type.DeclaringSyntaxReferences.Length < 2 || context.Attributes.Length > 0;

    private static SagaParse ParseSaga(INamedTypeSymbol type, SyntaxNode node, Compilation compilation, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        LocationInfo? at = LocationInfo.From(node is BaseTypeDeclarationSyntax declaration ? declaration.Identifier.GetLocation() : node.GetLocation());
        if (SagaRules.WhyNotGeneratable(type) is { } why)
        {
            diagnostics.Add(Info(DiagnosticIds.SagaNotGeneratable, at, why));
            return new SagaParse(null, diagnostics.ToEquatableArray());
        }

        ITypeSymbol state = SagaRules.StateOf(type)!;
        TypeShape stateShape = WireTypeClassifier.Classify(state, compilation, new List<INamedTypeSymbol>(4), 1);
        if (state is IErrorTypeSymbol)
        {
            return s_nothing;
        }

        if (stateShape.Problem is { } problem)
        {
            diagnostics.Add(Info(DiagnosticIds.SagaStateUnserializable, at, $"the state '{state.ToDisplayString()}' of saga '{type.Name}' cannot be serialized: {problem}"));
        }

        List<(ITypeSymbol Message, bool Starts)> steps = SagaRules.Steps(type);
        var specs = new List<SagaStepSpec>(steps.Count);
        ITypeSymbol? keyType = null;
        string? keyFrom = null;
        bool started = false;
        foreach ((ITypeSymbol message, bool starts) in steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            started |= starts;
            if (message is IErrorTypeSymbol)
            {
                continue;
            }

            if (message is not INamedTypeSymbol contract || ContractKinds.KindOf(contract, out _) is not { } kind)
            {
                diagnostics.Add(Info(DiagnosticIds.SagaStepOfNonContract, at, $"saga '{type.Name}' handles '{message.ToDisplayString()}', which is not marked [Command] or [Event]; the step is never wired"));
                continue;
            }

            if (kind == ContractKind.Query)
            {
                diagnostics.Add(Info(DiagnosticIds.SagaHandlesQuery, at, $"saga '{type.Name}' handles query '{contract.Name}'; a query asks for data and changes nothing, so it is answered by an IQueryHandler, never by a saga step"));
                continue;
            }

            (ISymbol? member, ITypeSymbol? memberType, string? correlation) = SagaRules.Correlation(contract);
            if (correlation is not null)
            {
                diagnostics.Add(Info(DiagnosticIds.SagaUncorrelated, at, $"saga '{type.Name}' handles '{contract.Name}', but {correlation}"));
                continue;
            }

            if (keyType is null)
            {
                keyType = memberType;
                keyFrom = contract.Name + "." + member!.Name;
            }
            else if (!SymbolEqualityComparer.Default.Equals(keyType, memberType))
            {
                diagnostics.Add(Info(DiagnosticIds.SagaUncorrelated, at,
                    $"saga '{type.Name}' handles '{contract.Name}', whose [SagaId] '{member!.Name}' is a {memberType!.ToDisplayString()}, but '{keyFrom}' is a {keyType.ToDisplayString()}; one saga's ids are of one type"));
                continue;
            }

            if (!ContractValidity.IsValidContract(contract, compilation))
            {
                // Its own diagnostic (CTR003, CTR004...) says why; the step cannot be registered without its formatter.
                continue;
            }

            specs.Add(new SagaStepSpec(TypeNames.Qualified(contract), contract.Name, starts, member!.Name, kind == ContractKind.Command));
        }

        if (!started)
        {
            diagnostics.Add(Info(DiagnosticIds.SagaNeverStarted, at, $"no message starts saga '{type.Name}': name the first message of the process with IStartedBy<TMessage> instead of IHandles<TMessage>, or no instance is ever created"));
        }

        if (diagnostics.Count > 0)
        {
            return new SagaParse(null, diagnostics.ToEquatableArray());
        }

        (TypeSpec stateSpec, EquatableArray<ObjectSpec> objects, EquatableArray<EnumSpec> enums) = ContractParser.StateSpec(stateShape, compilation, cancellationToken);
        specs.Sort(static (a, b) => string.CompareOrdinal(a.MessageType, b.MessageType));
        string text = TypeNames.Text(type);
        var spec = new SagaSpec(
            Namespace: TypeNames.Namespace(type.ContainingNamespace),
            Name: type.Name,
            FullyQualifiedName: TypeNames.Qualified(type),
            HintName: "Contracts.Saga." + text.Replace('<', '_').Replace('>', '_') + ".g.cs",
            Containers: Containers(type),
            SagaName: SagaRules.StoredName(type),
            StateType: TypeNames.Qualified(state),
            State: stateSpec,
            NestedObjects: objects,
            NestedEnums: enums,
            Steps: specs.ToEquatableArray(),
            Constructor: HandlerParser.Constructor(type));
        return new SagaParse(spec, EquatableArray<DiagnosticInfo>.Empty);
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
