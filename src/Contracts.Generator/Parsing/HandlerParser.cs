using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>
/// Finds handlers by <see cref="HandlerRule"/>: a cheap syntax test first, then one semantic check per named
/// interface; no type is ever searched for interfaces it inherits.
/// </summary>
internal static class HandlerParser
{
    public static bool IsCandidate(SyntaxNode node, CancellationToken cancellationToken)
    {
        BaseListSyntax? baseList = HandlerRule.BaseListOf(node);
        if (baseList is null)
        {
            return false;
        }

        foreach (BaseTypeSyntax baseType in baseList.Types)
        {
            if (HandlerRule.HandlerInterfaceName(baseType.Type) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static readonly HandlerParse s_nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

    public static HandlerParse Parse(GeneratorSyntaxContext context, ParseCache<HandlerParse> cache, CancellationToken cancellationToken)
    {
        // This runs for every candidate on every compilation: the parse of a declaration nothing it read has touched since is reused.
        CompilationSnapshot snapshot = cache.SnapshotOf(context.SemanticModel.Compilation);
        if (cache.Find(context.Node, snapshot) is { } kept)
        {
            return kept;
        }

        try
        {
            var dependencies = new ParseDependencies();
            HandlerParse parse = ParseCandidate(context, dependencies, cancellationToken, out bool keep);
            if (keep)
            {
                // Its diagnostics are located on its own declaration, which a kept parse shares.
                cache.Keep(context.Node, snapshot, parse, dependencies);
            }

            return parse;
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort while code is being typed: a handler the generator cannot read is skipped, never a crash (CS8785).
            return s_nothing;
        }
    }

    private static HandlerParse ParseCandidate(GeneratorSyntaxContext context, ParseDependencies dependencies, CancellationToken cancellationToken, out bool keep)
    {
        var declaration = (TypeDeclarationSyntax)context.Node;
        keep = false;
        if (context.SemanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol handler)
        {
            return s_nothing;
        }

        // The handler, its containers and bases, its interfaces with their messages and results, its constructors' parameters.
        keep = true;
        dependencies.Add(handler);
        foreach (IMethodSymbol constructor in handler.InstanceConstructors)
        {
            foreach (IParameterSymbol parameter in constructor.Parameters)
            {
                dependencies.Add(parameter.Type);
            }
        }

        if (!HandlerRule.CanBeHandler(handler))
        {
            return s_nothing;
        }

        Compilation compilation = context.SemanticModel.Compilation;
        SeparatedSyntaxList<BaseTypeSyntax> baseTypes = declaration.BaseList!.Types;
        ImmutableArray<INamedTypeSymbol> interfaces = DeclaredInterfaces(handler, baseTypes, out int firstInterface);
        List<HandledSpec>? handles = null;
        List<DiagnosticInfo>? diagnostics = null;
        for (int i = 0; i < baseTypes.Count; i++)
        {
            TypeSyntax baseType = baseTypes[i].Type;
            if (HandlerRule.HandlerInterfaceName(baseType) is null
                || (firstInterface >= 0 && i >= firstInterface
                    ? interfaces[i - firstInterface]
                    : context.SemanticModel.GetTypeInfo(baseType, cancellationToken).Type) is not INamedTypeSymbol named
                || HandlerRule.KindOfInterface(named) is not { } kind)
            {
                continue;
            }

            // TypeArguments builds a new array on each call: read once.
            ImmutableArray<ITypeSymbol> arguments = named.TypeArguments;
            if (HasErrorType(arguments))
            {
                continue;
            }

            // The message must be a contract the generator wires, or the registration would not compile. A contract from a
            // reference is checked for validity here (cheaply: did its generator give it IContract<T>?); one from this
            // compilation in the module step, against the contracts actually generated, so this per-edit transform never
            // analyzes a contract's members.
            ITypeSymbol? answered = kind == ContractKind.Query ? arguments[1] : null;
            if (arguments[0] is not INamedTypeSymbol message || !HandlerRule.Wires(kind, message, answered))
            {
                // Not wired: say why here (the declaration compiles, the handler interfaces do not constrain the message).
                if (WhyNotWired(handler, kind, arguments[0], answered) is { } why)
                {
                    (diagnostics ??= new List<DiagnosticInfo>(1)).Add(new DiagnosticInfo(why.Id, LocationInfo.From(declaration.Identifier.GetLocation()), why.Arguments, null));
                }

                continue;
            }

            string? result = answered is null ? null : TypeNames.Annotated(answered);

            bool fromReference = !message.Locations.Any(static l => l.IsInSource);
            if (fromReference && !ContractValidity.IsValidContract(message, compilation))
            {
                continue;
            }

            (handles ??= new List<HandledSpec>(1)).Add(new HandledSpec(kind, TypeNames.Qualified(message), result, fromReference));
        }

        EquatableArray<DiagnosticInfo> reported = diagnostics is null ? EquatableArray<DiagnosticInfo>.Empty : diagnostics.ToEquatableArray();
        return handles is null
            ? (diagnostics is null ? s_nothing : new HandlerParse(null, reported))
            : new HandlerParse(new HandlerSpec(TypeNames.Qualified(handler), handles.ToEquatableArray(), Constructor(handler)), reported);
    }

    /// <summary>
    /// CTR007 (the message is not a contract of the interface's kind) or CTR008 (a query answered with another result
    /// type); null when the contract itself is what is wrong, which its own diagnostic explains.
    /// </summary>
    private static (string Id, EquatableArray<string> Arguments)? WhyNotWired(INamedTypeSymbol handler, ContractKind kind, ITypeSymbol message, ITypeSymbol? answered)
    {
        string asKind = kind switch
        {
            ContractKind.Command => "a command",
            ContractKind.Event => "an event",
            _ => "a query",
        };

        if (message is not INamedTypeSymbol contract || ContractKinds.KindOf(contract, out _) is not { } marked)
        {
            return (DiagnosticIds.HandlerOfNonContract, Arguments(handler.Name, message.ToDisplayString(), asKind, $"'{message.Name}' is not marked [{Attribute(kind)}]"));
        }

        if (marked != kind)
        {
            return (DiagnosticIds.HandlerOfNonContract, Arguments(handler.Name, contract.Name, asKind, $"'{contract.Name}' is marked [{Attribute(marked)}]"));
        }

        if (kind == ContractKind.Query && answered is not null && ContractKinds.QueryResult(contract) is { } declared && !HandlerRule.ResultMatches(declared, answered))
        {
            return (DiagnosticIds.QueryResult, Arguments($"'{handler.Name}' answers '{contract.Name}' with '{answered.ToDisplayString()}', but '{contract.Name}' implements IQuery<{declared.ToDisplayString()}>; the handler is never wired"));
        }

        return null;
    }

    private static EquatableArray<string> Arguments(params string[] arguments) => new(ImmutableArray.Create(arguments));

    private static string Attribute(ContractKind kind) => kind switch
    {
        ContractKind.Command => "Command",
        ContractKind.Event => "Event",
        _ => "Query",
    };

    /// <summary>The parameters of the handler's one public constructor, when a generated factory can call it; else null and DI builds it.</summary>
    internal static EquatableArray<ParameterSpec>? Constructor(INamedTypeSymbol handler)
    {
        IMethodSymbol? constructor = null;
        foreach (IMethodSymbol candidate in handler.InstanceConstructors)
        {
            if (candidate.DeclaredAccessibility == Accessibility.Public)
            {
                if (constructor is not null)
                {
                    return null;
                }

                constructor = candidate;
            }
        }

        if (constructor is null)
        {
            return null;
        }

        ImmutableArray<IParameterSymbol> declared = constructor.Parameters;
        if (declared.IsEmpty)
        {
            return EquatableArray<ParameterSpec>.Empty;
        }

        ImmutableArray<ParameterSpec>.Builder parameters = ImmutableArray.CreateBuilder<ParameterSpec>(declared.Length);
        foreach (IParameterSymbol parameter in declared)
        {
            if (parameter.RefKind != RefKind.None || parameter.HasExplicitDefaultValue || parameter.IsParams
                || parameter.GetAttributes().Length > 0 || parameter.Type is IErrorTypeSymbol || parameter.Type.IsValueType
                || !ContractValidity.IsAccessibleInAssembly(parameter.Type))
            {
                return null;
            }

            parameters.Add(new ParameterSpec(TypeNames.Qualified(parameter.Type), parameter.Type.NullableAnnotation == NullableAnnotation.Annotated));
        }

        return new EquatableArray<ParameterSpec>(parameters.MoveToImmutable());
    }

    /// <summary>
    /// The declared symbol's <see cref="INamedTypeSymbol.Interfaces"/> (read once: each read builds a new array), and in
    /// <paramref name="offset"/> where they start in <paramref name="baseTypes"/> (0, or 1 after a base class), or -1 when
    /// they cannot be matched to it entry by entry. Binding a base-list entry again
    /// (GetTypeInfo) costs about 0.2 ms, for every handler on every edit; the symbol already holds what the compiler bound
    /// there. Matched only for a type declared once whose every entry lines up by name and arity, so an entry the compiler
    /// dropped (a duplicate, a struct, a second base class) or another declaration's interfaces fall back to binding.
    /// </summary>
    private static ImmutableArray<INamedTypeSymbol> DeclaredInterfaces(INamedTypeSymbol handler, SeparatedSyntaxList<BaseTypeSyntax> baseTypes, out int offset)
    {
        // One location per declaration (Locations is cached; DeclaringSyntaxReferences builds an array on each read).
        offset = -1;
        if (handler.Locations.Length != 1)
        {
            return ImmutableArray<INamedTypeSymbol>.Empty;
        }

        INamedTypeSymbol? baseClass = handler.BaseType is { SpecialType: not SpecialType.System_Object } b ? b : null;
        int first = baseClass is null ? 0 : 1;
        ImmutableArray<INamedTypeSymbol> interfaces = handler.Interfaces;
        if (baseTypes.Count - first != interfaces.Length
            || baseClass is not null && !SameName(baseTypes[0].Type, baseClass))
        {
            return interfaces;
        }

        for (int i = first; i < baseTypes.Count; i++)
        {
            if (!SameName(baseTypes[i].Type, interfaces[i - first]))
            {
                return interfaces;
            }
        }

        offset = first;
        return interfaces;
    }

    private static bool HasErrorType(ImmutableArray<ITypeSymbol> types)
    {
        foreach (ITypeSymbol type in types)
        {
            if (type is IErrorTypeSymbol)
            {
                return true;
            }
        }

        return false;
    }

    private static bool SameName(TypeSyntax type, INamedTypeSymbol symbol) =>
        HandlerRule.LastName(type) is { } name
        && name.Identifier.ValueText == symbol.Name
        && (name is GenericNameSyntax generic ? generic.Arity : 0) == symbol.Arity;
}
