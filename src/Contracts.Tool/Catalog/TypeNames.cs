using System;
using System.Collections.Generic;
using System.Text;

namespace Contracts.Tool.Catalog;

/// <summary>C# names of metadata types, as a developer wrote them (<c>Guid</c>, <c>int?</c>, <c>List&lt;string&gt;</c>), and the wire kind of each.</summary>
internal static class TypeNames
{
    private static readonly Dictionary<string, (string CSharp, string Wire)> s_scalars = new(StringComparer.Ordinal)
    {
        ["System.Boolean"] = ("bool", "bool"),
        ["System.Byte"] = ("byte", "uint8"),
        ["System.SByte"] = ("sbyte", "int8"),
        ["System.Int16"] = ("short", "int16"),
        ["System.UInt16"] = ("ushort", "uint16"),
        ["System.Int32"] = ("int", "int32"),
        ["System.UInt32"] = ("uint", "uint32"),
        ["System.Int64"] = ("long", "int64"),
        ["System.UInt64"] = ("ulong", "uint64"),
        ["System.Single"] = ("float", "float32"),
        ["System.Double"] = ("double", "float64"),
        ["System.Char"] = ("char", "char"),
        ["System.String"] = ("string", "string"),
        ["System.Guid"] = ("Guid", "guid"),
        ["System.Decimal"] = ("decimal", "decimal"),
        ["System.DateTime"] = ("DateTime", "datetime"),
        ["System.DateTimeOffset"] = ("DateTimeOffset", "datetimeoffset"),
        ["System.TimeSpan"] = ("TimeSpan", "timespan"),
        ["System.DateOnly"] = ("DateOnly", "dateonly"),
        ["System.TimeOnly"] = ("TimeOnly", "timeonly"),
    };

    /// <summary><paramref name="name"/> without <c>global::</c>.</summary>
    public static string Strip(string name) => name.Replace("global::", "", StringComparison.Ordinal);

    public static string CSharp(Type type)
    {
        if (s_scalars.TryGetValue(type.FullName ?? "", out (string CSharp, string Wire) scalar))
        {
            return scalar.CSharp;
        }

        if (type.IsArray)
        {
            return CSharp(type.GetElementType()!) + "[]";
        }

        if (type.IsGenericType)
        {
            Type[] arguments = type.GetGenericArguments();
            if (type.GetGenericTypeDefinition().FullName == "System.Nullable`1")
            {
                return CSharp(arguments[0]) + "?";
            }

            string name = type.Name;
            StringBuilder text = new StringBuilder(name, 0, name.IndexOf('`', StringComparison.Ordinal) is var tick and > 0 ? tick : name.Length, 32).Append('<');
            for (int i = 0; i < arguments.Length; i++)
            {
                text.Append(i == 0 ? "" : ", ").Append(CSharp(arguments[i]));
            }

            return text.Append('>').ToString();
        }

        return (type.FullName ?? type.Name).Replace('+', '.');
    }

    /// <summary>How a member travels: a MessagePack scalar, or a container of them, or an object written as an array of its members.</summary>
    public static string Wire(Type type)
    {
        if (s_scalars.TryGetValue(type.FullName ?? "", out (string CSharp, string Wire) scalar))
        {
            return scalar.Wire;
        }

        if (type.IsEnum)
        {
            return $"enum({Wire(type.GetEnumUnderlyingType())})";
        }

        if (type.IsArray)
        {
            Type element = type.GetElementType()!;
            return element.FullName == "System.Byte" ? "bytes" : $"array<{Wire(element)}>";
        }

        if (type.IsGenericType)
        {
            Type[] arguments = type.GetGenericArguments();
            string definition = type.GetGenericTypeDefinition().FullName ?? "";
            if (definition == "System.Nullable`1")
            {
                return Wire(arguments[0]) + "?";
            }

            if (arguments.Length == 1)
            {
                return $"array<{Wire(arguments[0])}>";
            }

            if (arguments.Length == 2 && definition.Contains("Dictionary", StringComparison.Ordinal))
            {
                return $"map<{Wire(arguments[0])}, {Wire(arguments[1])}>";
            }
        }

        return "object";
    }
}
