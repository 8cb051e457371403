using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Contracts.CodeAnalysis;

/// <summary>
/// Type names spelled by hand for the common shapes, each identical to a <c>ToDisplayString</c> format. The generator
/// re-runs its transforms for every contract on every edit, and a display string costs several microseconds (a
/// visitor, its parts and a pooled builder); these cost a few string appends. Anything unusual (tuples, pointers,
/// error types, type parameters, keyword identifiers, multi-dimensional or nested arrays) answers false, and the
/// caller falls back to <c>ToDisplayString</c>.
/// </summary>
internal static class SymbolNames
{
#pragma warning disable IDE1006 // thread-static fields are t_camel, which the naming rules cannot express
    [System.ThreadStatic]
    private static StringBuilder? t_builder;
#pragma warning restore IDE1006

    /// <summary>A cleared builder, reused per thread: the names are built for every member on every edit.</summary>
    public static StringBuilder Rent()
    {
        StringBuilder builder = t_builder ?? new StringBuilder(128);
        t_builder = null;
        return builder.Clear();
    }

    /// <summary>The builder's text; the builder goes back for the next <see cref="Rent"/>.</summary>
    public static string Return(StringBuilder builder)
    {
        string text = builder.ToString();
        if (builder.Capacity <= 1024)
        {
            t_builder = builder;
        }

        return text;
    }

    /// <summary>
    /// Appends what <c>SymbolDisplayFormat.FullyQualifiedFormat</c> writes (global::, containing types, type arguments,
    /// special types as keywords, keywords escaped with @, no nullable reference annotations), or returns false.
    /// </summary>
    public static bool TryAppendQualified(StringBuilder builder, ITypeSymbol type)
    {
        string? keyword = KeywordOf(type.SpecialType);
        if (keyword is not null)
        {
            builder.Append(keyword);
            return true;
        }

        if (type is IArrayTypeSymbol { Rank: 1, ElementType: not IArrayTypeSymbol } array)
        {
            if (!TryAppendQualified(builder, array.ElementType))
            {
                return false;
            }

            builder.Append("[]");
            return true;
        }

        // nint and nuint have their own display rules; the other special types without a keyword (DateTime) are plain names.
        if (type is not INamedTypeSymbol { TypeKind: not TypeKind.Error, IsTupleType: false, IsAnonymousType: false, IsUnboundGenericType: false, IsNativeIntegerType: false } named
            || type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return false;
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            ImmutableArray<ITypeSymbol> underlying = named.TypeArguments;
            if (underlying.Length != 1 || !TryAppendQualified(builder, underlying[0]))
            {
                return false;
            }

            builder.Append('?');
            return true;
        }

        if (named.ContainingType is { } container)
        {
            if (!TryAppendQualified(builder, container))
            {
                return false;
            }
        }
        else
        {
            builder.Append("global::");
            if (!TryAppendNamespace(builder, named.ContainingNamespace, escape: true))
            {
                return false;
            }
        }

        if (builder[builder.Length - 1] != ':')
        {
            builder.Append('.');
        }

        if (!TryAppendIdentifier(builder, named.Name, escape: true))
        {
            return false;
        }

        if (named.Arity > 0)
        {
            // TypeArguments builds a new array (and wrappers for annotated arguments) on each call: read once.
            ImmutableArray<ITypeSymbol> arguments = named.TypeArguments;
            builder.Append('<');
            for (int i = 0; i < arguments.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append(", ");
                }

                if (!TryAppendQualified(builder, arguments[i]))
                {
                    return false;
                }
            }

            builder.Append('>');
        }

        return true;
    }

    /// <summary>
    /// Appends namespace, containing types and name without <c>global::</c> and without escapes (a format of
    /// <c>FullyQualifiedFormat</c> with the global namespace omitted and no miscellaneous options), for a non-generic
    /// type in non-generic containers; else returns false.
    /// </summary>
    public static bool TryAppendText(StringBuilder builder, INamedTypeSymbol type)
    {
        // Special types (nint among them) are left to the formatter; this is for user types.
        if (type.TypeKind == TypeKind.Error || type.SpecialType != SpecialType.None || type.IsNativeIntegerType
            || type.Arity > 0 || type.IsTupleType || type.IsAnonymousType || type.Name.Length == 0)
        {
            return false;
        }

        if (type.ContainingType is { } container)
        {
            if (!TryAppendText(builder, container))
            {
                return false;
            }

            builder.Append('.');
        }
        else if (type.ContainingNamespace is { IsGlobalNamespace: false } ns)
        {
            if (!TryAppendNamespace(builder, ns, escape: false))
            {
                return false;
            }

            builder.Append('.');
        }

        builder.Append(type.Name);
        return true;
    }

    /// <summary>Appends a namespace's dotted name (nothing for the global namespace), or returns false.</summary>
    public static bool TryAppendNamespace(StringBuilder builder, INamespaceSymbol? ns, bool escape)
    {
        if (ns is null || ns.IsGlobalNamespace)
        {
            return ns is not null;
        }

        if (!TryAppendNamespace(builder, ns.ContainingNamespace, escape))
        {
            return false;
        }

        if (!ns.ContainingNamespace.IsGlobalNamespace)
        {
            builder.Append('.');
        }

        return TryAppendIdentifier(builder, ns.Name, escape);
    }

    /// <summary>Whether <paramref name="ns"/> is exactly the namespace <paramref name="dotted"/> (e.g. <c>System.Collections.Generic</c>).</summary>
    public static bool IsNamespace(INamespaceSymbol? ns, string dotted)
    {
        int end = dotted.Length;
        for (; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
        {
            string name = ns.Name;
            int start = end - name.Length;
            if (start < 0 || string.CompareOrdinal(dotted, start, name, 0, name.Length) != 0)
            {
                return false;
            }

            if (start == 0)
            {
                return ns.ContainingNamespace is { IsGlobalNamespace: true };
            }

            if (dotted[start - 1] != '.')
            {
                return false;
            }

            end = start - 1;
        }

        return false;
    }

    /// <summary>Whether <paramref name="ns"/> is <paramref name="root"/> or a namespace inside it.</summary>
    public static bool IsUnderNamespace(INamespaceSymbol? ns, string root)
    {
        if (ns is null || ns.IsGlobalNamespace)
        {
            return false;
        }

        while (!ns.ContainingNamespace.IsGlobalNamespace)
        {
            ns = ns.ContainingNamespace;
        }

        return ns.Name == root;
    }

    private static bool TryAppendIdentifier(StringBuilder builder, string name, bool escape)
    {
        // Keywords, contextual ones included, are left to the display formatter, whose escaping rules are subtler.
        if (name.Length == 0 || escape && (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None))
        {
            return false;
        }

        builder.Append(name);
        return true;
    }

    /// <summary>The keyword a special type is spelled with in every format used here (<c>int</c>, <c>string</c>), or null.</summary>
    public static string? KeywordOf(SpecialType type) => type switch
    {
        SpecialType.System_Object => "object",
        SpecialType.System_Void => "void",
        SpecialType.System_Boolean => "bool",
        SpecialType.System_Char => "char",
        SpecialType.System_SByte => "sbyte",
        SpecialType.System_Byte => "byte",
        SpecialType.System_Int16 => "short",
        SpecialType.System_UInt16 => "ushort",
        SpecialType.System_Int32 => "int",
        SpecialType.System_UInt32 => "uint",
        SpecialType.System_Int64 => "long",
        SpecialType.System_UInt64 => "ulong",
        SpecialType.System_Decimal => "decimal",
        SpecialType.System_Single => "float",
        SpecialType.System_Double => "double",
        SpecialType.System_String => "string",
        _ => null,
    };
}
