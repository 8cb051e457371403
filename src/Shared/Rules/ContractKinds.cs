using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>What a contract attribute says: the kind of message, its wire name and version, its query result and key.</summary>
internal static class ContractKinds
{
    public static ContractKind? KindOf(INamedTypeSymbol type, out int kindCount)
    {
        // Distinct kinds: the same attribute twice is the compiler's CS0579, not a message of two kinds.
        kindCount = 0;
        int seen = 0;
        ContractKind? kind = null;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            ContractKind? k = KindOfAttribute(attribute.AttributeClass);
            if (k is not null && (seen & (1 << (int)k.Value)) == 0)
            {
                seen |= 1 << (int)k.Value;
                kindCount++;
                kind ??= k;
            }
        }

        return kind;
    }

    public static ContractKind? KindOfAttribute(INamedTypeSymbol? attribute)
    {
        if (attribute is null || !WellKnownNames.IsRuntimeType(attribute))
        {
            return null;
        }

        return attribute.Name switch
        {
            WellKnownNames.CommandAttributeName => ContractKind.Command,
            WellKnownNames.EventAttributeName => ContractKind.Event,
            WellKnownNames.QueryAttributeName => ContractKind.Query,
            _ => null,
        };
    }

    /// <summary>
    /// Whether the contract has an [IdempotencyKey] member (on a public instance property, or on the constructor
    /// parameter that binds one). Reads attributes only, so it works on contracts compiled elsewhere too.
    /// </summary>
    public static bool HasIdempotencyKey(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            foreach (ISymbol member in t.GetMembers())
            {
                if (member is IPropertySymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Public } property
                    && property.GetAttributes().Any(static a => IsContractsAttribute(a, WellKnownNames.IdempotencyKeyAttributeName)))
                {
                    return true;
                }
            }
        }

        foreach (IMethodSymbol constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility == Accessibility.Public
                && constructor.Parameters.Any(static p => p.GetAttributes().Any(static a => IsContractsAttribute(a, WellKnownNames.IdempotencyKeyAttributeName))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The wire name and version a contract attribute gives: its Name (else namespace and type name) and Version (else 1).</summary>
    public static (string Name, int Version) NameAndVersion(INamedTypeSymbol type) => NameAndVersion(type, null);

    /// <summary>As <see cref="NameAndVersion(INamedTypeSymbol)"/>, with the default wire name already spelled by the caller.</summary>
    public static (string Name, int Version) NameAndVersion(INamedTypeSymbol type, string? defaultName)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (KindOfAttribute(attribute.AttributeClass) is null)
            {
                continue;
            }

            string? name = null;
            int version = 1;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == "Name" && argument.Value.Value is string { Length: > 0 } n)
                {
                    name = n;
                }
                else if (argument.Key == "Version" && argument.Value.Value is int v && v >= 1)
                {
                    version = v;
                }
            }

            return (name ?? defaultName ?? DefaultWireName(type), version);
        }

        return (defaultName ?? DefaultWireName(type), 1);
    }

    private static string DefaultWireName(INamedTypeSymbol type)
    {
        System.Text.StringBuilder builder = SymbolNames.Rent();
        bool spelled = SymbolNames.TryAppendText(builder, type);
        string text = SymbolNames.Return(builder);
        return spelled ? text : type.ToDisplayString(s_wireNameFormat);
    }

    /// <summary>Namespace and containing types as plain text (no global::, no @): the default wire name.</summary>
    private static readonly SymbolDisplayFormat s_wireNameFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None);

    /// <summary>The TResult of the one IQuery&lt;TResult&gt; the type implements, or null.</summary>
    public static ITypeSymbol? QueryResult(INamedTypeSymbol type)
    {
        ITypeSymbol? result = null;
        foreach (INamedTypeSymbol i in type.AllInterfaces)
        {
            if (i.Name == WellKnownNames.QueryInterfaceName && i.Arity == 1 && WellKnownNames.IsRuntimeType(i))
            {
                if (result is not null)
                {
                    return null;
                }

                result = i.TypeArguments[0];
            }
        }

        return result is null or IErrorTypeSymbol ? null : result;
    }

    private static bool IsContractsAttribute(AttributeData attribute, string name) =>
        attribute.AttributeClass is { } c && c.Name == name && WellKnownNames.IsRuntimeType(c);
}
