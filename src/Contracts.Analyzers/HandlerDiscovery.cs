using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis;

/// <summary>
/// The generator's handler rule, on symbols: a class is a handler when its own base list names ICommandHandler&lt;T&gt;,
/// IEventHandler&lt;T&gt; or IQueryHandler&lt;TQuery, TResult&gt; (never an interface it only inherits), and it is
/// concrete, non-generic and visible to its assembly.
/// </summary>
internal static class HandlerDiscovery
{
    public static List<HandledMessage>? Find(INamedTypeSymbol type, KnownTypes known, CancellationToken cancellationToken)
    {
        if (type is not { TypeKind: TypeKind.Class, IsAbstract: false, IsStatic: false, IsGenericType: false } || type.Interfaces.IsEmpty
            || type.Name.Length == 0 || !ContractValidity.IsAccessibleInAssembly(type))
        {
            return null;
        }

        List<HandledMessage>? handled = null;
        foreach (INamedTypeSymbol @interface in type.Interfaces)
        {
            INamedTypeSymbol definition = @interface.OriginalDefinition;
            ContractKind kind;
            if (KnownTypes.Is(definition, known.CommandHandler))
            {
                kind = ContractKind.Command;
            }
            else if (KnownTypes.Is(definition, known.EventHandler))
            {
                kind = ContractKind.Event;
            }
            else if (KnownTypes.Is(definition, known.QueryHandler))
            {
                kind = ContractKind.Query;
            }
            else
            {
                continue;
            }

            if (NamingDeclaration(type, definition.Name, cancellationToken) is { } location)
            {
                (handled ??= []).Add(new HandledMessage(kind, @interface, location));
            }
        }

        return handled;
    }

    /// <summary>Whether the type is marked [Idempotent].</summary>
    public static bool IsIdempotent(INamedTypeSymbol type, KnownTypes known)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (KnownTypes.Is(attribute.AttributeClass, known.Idempotent))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The identifier of the class or record declaration whose base list names the generic interface, as the generator's syntax filter sees it.</summary>
    private static Location? NamingDeclaration(INamedTypeSymbol type, string interfaceName, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            // Classes and record classes, as the generator's syntax filter takes them (type.TypeKind already excludes structs).
            SyntaxNode node = reference.GetSyntax(cancellationToken);
            if (node is not (ClassDeclarationSyntax or RecordDeclarationSyntax) || node is not TypeDeclarationSyntax { BaseList: { } baseList } declaration)
            {
                continue;
            }

            foreach (BaseTypeSyntax baseType in baseList.Types)
            {
                SimpleNameSyntax? name = baseType.Type switch
                {
                    QualifiedNameSyntax qualified => qualified.Right,
                    AliasQualifiedNameSyntax alias => alias.Name,
                    SimpleNameSyntax simple => simple,
                    _ => null,
                };

                if (name is GenericNameSyntax generic && generic.Identifier.ValueText == interfaceName)
                {
                    return declaration.Identifier.GetLocation();
                }
            }
        }

        return null;
    }
}
