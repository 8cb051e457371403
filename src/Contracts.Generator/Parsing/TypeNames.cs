using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Parsing;

internal static class TypeNames
{
    /// <summary>global::-qualified, without nullable annotations: the form generated formatter code uses.</summary>
    private static readonly SymbolDisplayFormat s_plain = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    private static readonly SymbolDisplayFormat s_annotated = s_plain
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>global::-qualified with nullable annotations: for type arguments that must match a user's declaration exactly.</summary>
    public static string Annotated(ITypeSymbol type) => type.ToDisplayString(s_annotated);

    public static string Qualified(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(s_plain);

    /// <summary>A name usable as part of an identifier: Shop.Orders.OrderLine becomes Shop_Orders_OrderLine.</summary>
    public static string Identifier(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(char.IsLetterOrDigit(c) ? c : '_');
        }

        return builder.ToString();
    }
}
