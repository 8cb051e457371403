using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>
/// Finds handlers: a class is a handler when its own base list names ICommandHandler&lt;&gt;, IEventHandler&lt;&gt;
/// or IQueryHandler&lt;,&gt;. A cheap syntax test first, then one semantic check per named interface; no type
/// is ever searched for interfaces it inherits.
/// </summary>
internal static class HandlerParser
{
    public static bool IsCandidate(SyntaxNode node, CancellationToken cancellationToken)
    {
        // Classes and record classes; a struct handler would be boxed on every message.
        BaseListSyntax? baseList = node switch
        {
            ClassDeclarationSyntax c => c.BaseList,
            RecordDeclarationSyntax r when !r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => r.BaseList,
            _ => null,
        };
        if (baseList is null)
        {
            return false;
        }

        foreach (BaseTypeSyntax baseType in baseList.Types)
        {
            if (HandlerInterfaceName(baseType.Type) is not null)
            {
                return true;
            }
        }

        return false;
    }

    public static HandlerSpec? Parse(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return ParseCandidate(context, cancellationToken);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort while code is being typed: a handler the generator cannot read is skipped, never a crash (CS8785).
            return null;
        }
    }

    private static HandlerSpec? ParseCandidate(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var declaration = (TypeDeclarationSyntax)context.Node;
        if (context.SemanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol handler
            || handler.Name.Length == 0 || handler.IsAbstract || handler.IsStatic || handler.IsGenericType || !ContractRules.IsAccessibleInAssembly(handler))
        {
            return null;
        }

        Compilation compilation = context.SemanticModel.Compilation;
        SeparatedSyntaxList<BaseTypeSyntax> baseTypes = declaration.BaseList!.Types;
        int firstInterface = DeclaredInterfacesOffset(handler, baseTypes);
        var handles = new List<HandledSpec>();
        for (int i = 0; i < baseTypes.Count; i++)
        {
            TypeSyntax baseType = baseTypes[i].Type;
            if (HandlerInterfaceName(baseType) is null
                || (firstInterface >= 0 && i >= firstInterface
                    ? handler.Interfaces[i - firstInterface]
                    : context.SemanticModel.GetTypeInfo(baseType, cancellationToken).Type) is not INamedTypeSymbol named
                || named.ContainingNamespace is not { Name: "Contracts", ContainingNamespace.IsGlobalNamespace: true }
                || named.TypeArguments.Any(a => a is IErrorTypeSymbol))
            {
                continue;
            }

            ContractKind? kind = (named.Name, named.TypeArguments.Length) switch
            {
                (WellKnownNames.CommandHandlerName, 1) => ContractKind.Command,
                (WellKnownNames.EventHandlerName, 1) => ContractKind.Event,
                (WellKnownNames.QueryHandlerName, 2) => ContractKind.Query,
                _ => null,
            };

            // The message must be a contract the generator wires (its kind matching the interface), or the registration would not compile.
            // A contract from a reference is checked here (cheaply: did its generator give it IContract<T>?); one from this
            // compilation is checked in the module step against the contracts actually generated, so this transform, which
            // Roslyn re-runs for every handler on every edit, never analyzes a contract's members.
            if (kind is null || named.TypeArguments[0] is not INamedTypeSymbol message
                || ContractRules.KindOf(message, out _) != kind)
            {
                continue;
            }

            string? result = null;
            if (kind == ContractKind.Query)
            {
                ITypeSymbol? declared = ContractRules.QueryResult(message);
                if (declared is null || !SymbolEqualityComparer.Default.Equals(declared.WithNullableAnnotation(NullableAnnotation.None), named.TypeArguments[1].WithNullableAnnotation(NullableAnnotation.None)))
                {
                    continue;
                }

                result = TypeNames.Annotated(named.TypeArguments[1]);
            }

            bool fromReference = !message.Locations.Any(static l => l.IsInSource);
            if (fromReference && !ContractRules.IsValidContract(message, compilation))
            {
                continue;
            }

            handles.Add(new HandledSpec(kind.Value, TypeNames.Qualified(message), result, fromReference));
        }

        if (handles.Count == 0)
        {
            return null;
        }

        return new HandlerSpec(TypeNames.Qualified(handler), handles.ToEquatableArray(), Constructor(handler));
    }

    /// <summary>The parameters of the handler's one public constructor, when a generated factory can call it; else null and DI builds it.</summary>
    private static EquatableArray<ParameterSpec>? Constructor(INamedTypeSymbol handler)
    {
        IMethodSymbol[] constructors = handler.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToArray();
        if (constructors.Length != 1)
        {
            return null;
        }

        var parameters = new List<ParameterSpec>();
        foreach (IParameterSymbol parameter in constructors[0].Parameters)
        {
            if (parameter.RefKind != RefKind.None || parameter.HasExplicitDefaultValue || parameter.IsParams
                || parameter.GetAttributes().Length > 0 || parameter.Type is IErrorTypeSymbol || parameter.Type.IsValueType
                || !ContractRules.IsAccessibleInAssembly(parameter.Type))
            {
                return null;
            }

            parameters.Add(new ParameterSpec(TypeNames.Qualified(parameter.Type), parameter.Type.NullableAnnotation == NullableAnnotation.Annotated));
        }

        return parameters.ToEquatableArray();
    }

    /// <summary>
    /// Where the declared symbol's <see cref="INamedTypeSymbol.Interfaces"/> start in <paramref name="baseTypes"/> (0, or 1
    /// after a base class), or -1 when they cannot be matched to it entry by entry. Binding a base-list entry again
    /// (GetTypeInfo) costs about 0.2 ms, for every handler on every edit; the symbol already holds what the compiler bound
    /// there. Matched only for a type declared once whose every entry lines up by name and arity, so an entry the compiler
    /// dropped (a duplicate, a struct, a second base class) or another declaration's interfaces fall back to binding.
    /// </summary>
    private static int DeclaredInterfacesOffset(INamedTypeSymbol handler, SeparatedSyntaxList<BaseTypeSyntax> baseTypes)
    {
        if (handler.DeclaringSyntaxReferences.Length != 1)
        {
            return -1;
        }

        INamedTypeSymbol? baseClass = handler.BaseType is { SpecialType: not SpecialType.System_Object } b ? b : null;
        int offset = baseClass is null ? 0 : 1;
        ImmutableArray<INamedTypeSymbol> interfaces = handler.Interfaces;
        if (baseTypes.Count - offset != interfaces.Length
            || baseClass is not null && !SameName(baseTypes[0].Type, baseClass))
        {
            return -1;
        }

        for (int i = offset; i < baseTypes.Count; i++)
        {
            if (!SameName(baseTypes[i].Type, interfaces[i - offset]))
            {
                return -1;
            }
        }

        return offset;
    }

    private static bool SameName(TypeSyntax type, INamedTypeSymbol symbol) =>
        LastName(type) is { } name
        && name.Identifier.ValueText == symbol.Name
        && (name is GenericNameSyntax generic ? generic.Arity : 0) == symbol.Arity;

    private static string? HandlerInterfaceName(TypeSyntax type) =>
        LastName(type) is GenericNameSyntax generic
        && generic.Identifier.ValueText is WellKnownNames.CommandHandlerName or WellKnownNames.EventHandlerName or WellKnownNames.QueryHandlerName
            ? generic.Identifier.ValueText
            : null;

    /// <summary>The name a type syntax ends with: <c>Y</c> in <c>X.Y</c> and <c>global::Y</c>.</summary>
    private static SimpleNameSyntax? LastName(TypeSyntax type) => type switch
    {
        QualifiedNameSyntax qualified => qualified.Right,
        AliasQualifiedNameSyntax alias => alias.Name,
        SimpleNameSyntax simple => simple,
        _ => null,
    };
}
