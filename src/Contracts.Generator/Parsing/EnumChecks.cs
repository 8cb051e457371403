using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Parsing;

/// <summary>
/// The condition a generated enum formatter tests the number it reads with, so that a handler only ever meets a value
/// the enum defines: <c>value is 0 or 1</c>, <c>value is &gt;= 0 and &lt;= 9</c>, or for a [Flags] enum
/// <c>(value &amp; ~7) == 0</c> (any combination of defined bits). Null when no number could fail it.
/// </summary>
internal static class EnumChecks
{
    public static string? For(INamedTypeSymbol type, SpecialType underlying)
    {
        bool signed = underlying is SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32 or SpecialType.System_Int64;

        // Every value is held as a ulong; a signed one sign-extended, so ordering compares them as longs.
        var values = new List<ulong>();
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IFieldSymbol { HasConstantValue: true, ConstantValue: { } constant })
            {
                values.Add(signed ? unchecked((ulong)System.Convert.ToInt64(constant, CultureInfo.InvariantCulture)) : System.Convert.ToUInt64(constant, CultureInfo.InvariantCulture));
            }
        }

        if (values.Count == 0)
        {
            return null; // an enum without members: nothing to hold a number against
        }

        return IsFlags(type) ? FlagsCheck(values, underlying, signed) : DefinedCheck(values, underlying, signed);
    }

    private static bool IsFlags(INamedTypeSymbol type)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "FlagsAttribute", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } })
            {
                return true;
            }
        }

        return false;
    }

    private static string? FlagsCheck(List<ulong> values, SpecialType underlying, bool signed)
    {
        ulong mask = 0;
        foreach (ulong value in values)
        {
            mask |= value;
        }

        if (mask == AllBits(underlying, signed))
        {
            return null;
        }

        // The number read is widened to int (or kept as long, uint or ulong): a signed mask is sign-extended the same way.
        string literal = signed ? Signed(unchecked((long)mask)) : Unsigned(mask, underlying);
        return $"(value & ~{literal}) == 0";
    }

    private static string? DefinedCheck(List<ulong> values, SpecialType underlying, bool signed)
    {
        values.Sort(signed ? static (a, b) => unchecked((long)a).CompareTo(unchecked((long)b)) : static (a, b) => a.CompareTo(b));
        var runs = new List<(ulong First, ulong Last)>();
        foreach (ulong value in values)
        {
            if (runs.Count > 0 && (runs[runs.Count - 1].Last == value || runs[runs.Count - 1].Last + 1 == value))
            {
                runs[runs.Count - 1] = (runs[runs.Count - 1].First, value);
            }
            else
            {
                runs.Add((value, value));
            }
        }

        (ulong min, ulong max) = Range(underlying, signed);
        if (runs.Count == 1 && runs[0].First == min && runs[0].Last == max)
        {
            return null;
        }

        var patterns = new List<string>(runs.Count);
        foreach ((ulong first, ulong last) in runs)
        {
            string pattern = first == last
                ? Literal(first, signed)
                : first == min ? $"<= {Literal(last, signed)}" // a bound at the type's limit always holds: left out
                : last == max ? $">= {Literal(first, signed)}"
                : $">= {Literal(first, signed)} and <= {Literal(last, signed)}";
            patterns.Add(runs.Count > 1 && first != last ? $"({pattern})" : pattern);
        }

        return "value is " + string.Join(" or ", patterns);
    }

    private static string Literal(ulong value, bool signed) =>
        signed ? unchecked((long)value).ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    private static string Signed(long value) => value < 0 ? $"({value.ToString(CultureInfo.InvariantCulture)})" : value.ToString(CultureInfo.InvariantCulture);

    private static string Unsigned(ulong value, SpecialType underlying) => value.ToString(CultureInfo.InvariantCulture) + underlying switch
    {
        SpecialType.System_UInt64 => "UL",
        SpecialType.System_UInt32 => "u",
        _ => "", // a byte or ushort is widened to int
    };

    private static ulong AllBits(SpecialType underlying, bool signed) => signed ? ulong.MaxValue : Range(underlying, signed: false).Max;

    private static (ulong Min, ulong Max) Range(SpecialType underlying, bool signed) => underlying switch
    {
        SpecialType.System_Byte => (0, byte.MaxValue),
        SpecialType.System_UInt16 => (0, ushort.MaxValue),
        SpecialType.System_UInt32 => (0, uint.MaxValue),
        SpecialType.System_UInt64 => (0, ulong.MaxValue),
        SpecialType.System_SByte => (unchecked((ulong)(long)sbyte.MinValue), (ulong)sbyte.MaxValue),
        SpecialType.System_Int16 => (unchecked((ulong)(long)short.MinValue), (ulong)short.MaxValue),
        SpecialType.System_Int64 => (unchecked((ulong)long.MinValue), long.MaxValue),
        _ => signed ? (unchecked((ulong)(long)int.MinValue), int.MaxValue) : (0, uint.MaxValue),
    };
}
