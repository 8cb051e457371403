namespace Contracts.CodeAnalysis;

/// <summary>
/// The lock file's names of wire types, and which changes of them a reader survives. A name says what the bytes are,
/// not which CLR type holds them: <c>int32</c>, <c>string</c>, <c>guid</c>, <c>array&lt;T&gt;</c> (an array, a list, a
/// read-only list or an immutable array: one MessagePack array), <c>map&lt;K,V&gt;</c>, <c>enum&lt;int32&gt;</c> (an enum
/// travels as its underlying integer), <c>object&lt;Ns.Type&gt;</c> (a nested record), and a trailing <c>?</c> when nil
/// may be written.
/// </summary>
internal static class WireTypeNames
{
    /// <summary>The name of a scalar kind, or null for the composite ones.</summary>
    public static string? Scalar(WireKind kind) => kind switch
    {
        WireKind.Boolean => "bool",
        WireKind.Byte => "uint8",
        WireKind.SByte => "int8",
        WireKind.Int16 => "int16",
        WireKind.UInt16 => "uint16",
        WireKind.Int32 => "int32",
        WireKind.UInt32 => "uint32",
        WireKind.Int64 => "int64",
        WireKind.UInt64 => "uint64",
        WireKind.Single => "float32",
        WireKind.Double => "float64",
        WireKind.Char => "char",
        WireKind.String => "string",
        WireKind.ByteArray => "bytes",
        WireKind.Guid => "guid",
        WireKind.Decimal => "decimal",
        WireKind.DateTime => "datetime",
        WireKind.DateTimeOffset => "datetimeoffset",
        WireKind.TimeSpan => "timespan",
        WireKind.DateOnly => "date",
        WireKind.TimeOnly => "time",
        _ => null,
    };

    /// <summary>
    /// Whether a reader of <paramref name="reader"/> reads every value a writer of <paramref name="writer"/> writes: the
    /// same type, a nil-free type read as its nullable form, or an integer read as a wider one (MessagePack integers
    /// carry their value, not their width), element by element inside arrays and maps.
    /// </summary>
    public static bool Reads(string reader, string writer)
    {
        if (string.Equals(reader, writer, System.StringComparison.Ordinal))
        {
            return true;
        }

        bool readerNil = reader.EndsWith("?", System.StringComparison.Ordinal);
        bool writerNil = writer.EndsWith("?", System.StringComparison.Ordinal);
        if (writerNil && !readerNil)
        {
            return false;
        }

        string r = readerNil ? reader.Substring(0, reader.Length - 1) : reader;
        string w = writerNil ? writer.Substring(0, writer.Length - 1) : writer;
        if (string.Equals(r, w, System.StringComparison.Ordinal))
        {
            return true;
        }

        if (Arguments(r, "array<", out string? readElement, out _) && Arguments(w, "array<", out string? writtenElement, out _))
        {
            return Reads(readElement!, writtenElement!);
        }

        if (Arguments(r, "map<", out string? readKey, out string? readValue) && Arguments(w, "map<", out string? writtenKey, out string? writtenValue))
        {
            return Reads(readKey!, writtenKey!) && Reads(readValue!, writtenValue!);
        }

        if (Arguments(r, "enum<", out string? readUnderlying, out _) && Arguments(w, "enum<", out string? writtenUnderlying, out _))
        {
            return Reads(readUnderlying!, writtenUnderlying!);
        }

        return Range(r, out long readMin, out ulong readMax) && Range(w, out long writtenMin, out ulong writtenMax)
            && readMin <= writtenMin && readMax >= writtenMax;
    }

    private static bool Range(string name, out long min, out ulong max)
    {
        (min, max) = name switch
        {
            "int8" => (sbyte.MinValue, (ulong)sbyte.MaxValue),
            "uint8" => (0L, (ulong)byte.MaxValue),
            "int16" => (short.MinValue, (ulong)short.MaxValue),
            "uint16" => (0L, (ulong)ushort.MaxValue),
            "int32" => (int.MinValue, (ulong)int.MaxValue),
            "uint32" => (0L, (ulong)uint.MaxValue),
            "int64" => (long.MinValue, (ulong)long.MaxValue),
            "uint64" => (0L, ulong.MaxValue),
            _ => (1L, 0UL),
        };
        return min <= 0;
    }

    /// <summary>The one or two arguments of <c>prefix...&gt;</c>, split at the top-level comma.</summary>
    private static bool Arguments(string name, string prefix, out string? first, out string? second)
    {
        first = null;
        second = null;
        if (!name.StartsWith(prefix, System.StringComparison.Ordinal) || !name.EndsWith(">", System.StringComparison.Ordinal))
        {
            return false;
        }

        string inner = name.Substring(prefix.Length, name.Length - prefix.Length - 1);
        int depth = 0;
        for (int i = 0; i < inner.Length; i++)
        {
            switch (inner[i])
            {
                case '<':
                    depth++;
                    break;
                case '>':
                    depth--;
                    break;
                case ',' when depth == 0:
                    first = inner.Substring(0, i);
                    second = inner.Substring(i + 1);
                    return true;
            }
        }

        first = inner;
        return true;
    }
}
