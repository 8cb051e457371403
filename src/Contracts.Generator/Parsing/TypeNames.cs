using System.Text;
using Contracts.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Contracts.Generator.Parsing;

internal static class TypeNames
{
    /// <summary>global::-qualified, without nullable annotations: the form generated formatter code uses.</summary>
    private static readonly SymbolDisplayFormat s_plain = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    private static readonly SymbolDisplayFormat s_annotated = s_plain
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Namespace and containing types, as code spells them (keywords escaped with @): for namespace declarations.</summary>
    private static readonly SymbolDisplayFormat s_code = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

    /// <summary>Namespace and containing types as plain text (no global::, no @): for wire names and hint names.</summary>
    private static readonly SymbolDisplayFormat s_text = s_code
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None);

    /// <summary>global::-qualified with nullable annotations: for type arguments that must match a user's declaration exactly.</summary>
    public static string Annotated(ITypeSymbol type) => type.ToDisplayString(s_annotated);

    /// <remarks>Spelled by hand when it can be (see <see cref="SymbolNames"/>): this runs for every member of every contract on every edit.</remarks>
    public static string Qualified(ITypeSymbol type)
    {
        // The keyword itself, not a copy built for every int and string member.
        if (SymbolNames.KeywordOf(type.SpecialType) is { } keyword)
        {
            return keyword;
        }

        StringBuilder builder = SymbolNames.Rent();
        bool spelled = SymbolNames.TryAppendQualified(builder, type);
        string text = SymbolNames.Return(builder);
        return spelled ? text : type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(s_plain);
    }

    /// <summary><c>Shop.Orders</c>, with keywords escaped (<c>@event.Orders</c>); empty for the global namespace.</summary>
    public static string Namespace(INamespaceSymbol? ns)
    {
        if (ns is null || ns.IsGlobalNamespace)
        {
            return "";
        }

        StringBuilder builder = SymbolNames.Rent();
        bool spelled = SymbolNames.TryAppendNamespace(builder, ns, escape: true);
        string text = SymbolNames.Return(builder);
        return spelled ? text : ns.ToDisplayString(s_code);
    }

    /// <summary><c>Shop.Orders.PlaceOrder</c>: no <c>global::</c>, no <c>@</c>.</summary>
    public static string Text(ISymbol symbol)
    {
        StringBuilder builder = SymbolNames.Rent();
        bool spelled = symbol is INamedTypeSymbol type && SymbolNames.TryAppendText(builder, type);
        string text = SymbolNames.Return(builder);
        return spelled ? text : symbol.ToDisplayString(s_text);
    }

    /// <summary>
    /// An identifier as code must spell it: <c>@event</c> for the keyword <c>event</c>. Contextual keywords are escaped
    /// too (always legal), since some are not valid everywhere: a type declared as <c>record</c> warns (CS8860).
    /// </summary>
    public static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(identifier) != SyntaxKind.None
            ? "@" + identifier
            : identifier;

    /// <summary>
    /// A name usable as part of an identifier: Shop.Orders.OrderLine becomes Shop_Orders_OrderLine. An
    /// underscore doubles, so A.B_C (A_B__C) and A_B.C (A__B_C) stay apart.
    /// </summary>
    public static string Identifier(string text) => Identifier("", text);

    /// <summary><see cref="Identifier(string)"/> after a prefix, in one string.</summary>
    public static string Identifier(string prefix, string text)
    {
        StringBuilder builder = SymbolNames.Rent().Append(prefix);
        foreach (char c in text)
        {
            if (c == '_')
            {
                builder.Append("__");
            }
            else
            {
                builder.Append(char.IsLetterOrDigit(c) ? c : '_');
            }
        }

        return SymbolNames.Return(builder);
    }
}
