using System.Collections.Generic;
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
        var handles = new List<HandledSpec>();
        foreach (BaseTypeSyntax baseType in declaration.BaseList!.Types)
        {
            if (HandlerInterfaceName(baseType.Type) is null
                || context.SemanticModel.GetTypeInfo(baseType.Type, cancellationToken).Type is not INamedTypeSymbol named
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

    private static string? HandlerInterfaceName(TypeSyntax type)
    {
        SimpleNameSyntax? name = type switch
        {
            QualifiedNameSyntax qualified => qualified.Right,
            AliasQualifiedNameSyntax alias => alias.Name,
            SimpleNameSyntax simple => simple,
            _ => null,
        };

        return name is GenericNameSyntax generic
            && generic.Identifier.ValueText is WellKnownNames.CommandHandlerName or WellKnownNames.EventHandlerName or WellKnownNames.QueryHandlerName
            ? generic.Identifier.ValueText
            : null;
    }
}
