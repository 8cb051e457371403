using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis;

/// <summary>
/// The one handler rule, used by the generator (which wires handlers) and the analyzers (which explain them). A class is
/// a handler when its own base list names ICommandHandler&lt;TCommand&gt;, IEventHandler&lt;TEvent&gt; or
/// IQueryHandler&lt;TQuery, TResult&gt; (never an interface it only inherits), and it is concrete, non-generic and
/// visible to its assembly. It is wired when the message is a contract of the interface's kind and, for a query,
/// when its TResult is the query's own.
/// </summary>
internal static class HandlerRule
{
    /// <summary>The base list of a class or record class declaration, or null: a struct handler would be boxed on every message.</summary>
    public static BaseListSyntax? BaseListOf(SyntaxNode node) => node switch
    {
        ClassDeclarationSyntax c => c.BaseList,
        RecordDeclarationSyntax r when !r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => r.BaseList,
        _ => null,
    };

    /// <summary>
    /// The handler interface name a base-list entry ends with (<c>ICommandHandler</c> in <c>Contracts.ICommandHandler&lt;X&gt;</c>),
    /// or null: syntax only, the generator's cheap filter before any binding.
    /// </summary>
    public static string? HandlerInterfaceName(TypeSyntax type) =>
        LastName(type) is GenericNameSyntax generic
        && generic.Identifier.ValueText is WellKnownNames.CommandHandlerName or WellKnownNames.EventHandlerName or WellKnownNames.QueryHandlerName
            ? generic.Identifier.ValueText
            : null;

    /// <summary>The name a type syntax ends with: <c>Y</c> in <c>X.Y</c> and <c>global::Y</c>.</summary>
    public static SimpleNameSyntax? LastName(TypeSyntax type) => type switch
    {
        QualifiedNameSyntax qualified => qualified.Right,
        AliasQualifiedNameSyntax alias => alias.Name,
        SimpleNameSyntax simple => simple,
        _ => null,
    };

    /// <summary>Whether a declared type can be a handler at all: a named, concrete, non-generic class visible to its assembly.</summary>
    public static bool CanBeHandler(INamedTypeSymbol type) =>
        type is { TypeKind: TypeKind.Class, IsAbstract: false, IsStatic: false, IsGenericType: false, Name.Length: > 0 }
        && ContractValidity.IsAccessibleInAssembly(type);

    /// <summary>The kind of message a (constructed or open) handler interface handles, or null when it is none of the three.</summary>
    public static ContractKind? KindOfInterface(INamedTypeSymbol @interface)
    {
        if (!WellKnownNames.IsRuntimeType(@interface))
        {
            return null;
        }

        return (@interface.Name, @interface.Arity) switch
        {
            (WellKnownNames.CommandHandlerName, 1) => ContractKind.Command,
            (WellKnownNames.EventHandlerName, 1) => ContractKind.Event,
            (WellKnownNames.QueryHandlerName, 2) => ContractKind.Query,
            _ => null,
        };
    }

    /// <summary>
    /// Whether a handler interface of <paramref name="kind"/> over <paramref name="message"/> (answering <paramref name="result"/>
    /// for a query) is wired, the contract's own validity aside: the message is a contract of that kind, and a query's result matches.
    /// </summary>
    public static bool Wires(ContractKind kind, INamedTypeSymbol message, ITypeSymbol? result) =>
        ContractKinds.KindOf(message, out _) == kind
        && (kind != ContractKind.Query || result is not null && ContractKinds.QueryResult(message) is { } declared && ResultMatches(declared, result));

    /// <summary>Whether a query handler's TResult is the query's IQuery&lt;TResult&gt;; the default comparer ignores nullable annotations.</summary>
    public static bool ResultMatches(ITypeSymbol declared, ITypeSymbol result) => SymbolEqualityComparer.Default.Equals(declared, result);
}
