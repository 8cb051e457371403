using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis;

/// <summary>The handlers <see cref="HandlerRule"/> accepts, on symbols, with the declaration each interface is named in.</summary>
internal static class HandlerDiscovery
{
    public static List<HandledMessage>? Find(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (type.Interfaces.IsEmpty || !HandlerRule.CanBeHandler(type))
        {
            return null;
        }

        List<HandledMessage>? handled = null;
        foreach (INamedTypeSymbol @interface in type.Interfaces)
        {
            if (HandlerRule.KindOfInterface(@interface) is { } kind
                && NamingDeclaration(type, @interface.Name, cancellationToken) is { } location)
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
            SyntaxNode node = reference.GetSyntax(cancellationToken);
            if (HandlerRule.BaseListOf(node) is not { } baseList)
            {
                continue;
            }

            foreach (BaseTypeSyntax baseType in baseList.Types)
            {
                if (HandlerRule.HandlerInterfaceName(baseType.Type) == interfaceName)
                {
                    return ((TypeDeclarationSyntax)node).Identifier.GetLocation();
                }
            }
        }

        return null;
    }
}
