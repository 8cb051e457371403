using Contracts.CodeAnalysis;
using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>The emit recipe of every <see cref="WireKind"/>, one row each; which type has which kind is decided in Shared (WireTypeClassifier).</summary>
internal static class WireTypeTable
{
    private static readonly WireType s_unsupported = new UnsupportedWireType();

    private static readonly WireType?[] s_types = Build(
    [
        (WireKind.Unsupported, s_unsupported),
        (WireKind.Boolean, ScalarWireType.Primitive("Boolean")),
        (WireKind.Byte, ScalarWireType.Primitive("Byte")),
        (WireKind.SByte, ScalarWireType.Primitive("SByte")),
        (WireKind.Int16, ScalarWireType.Primitive("Int16")),
        (WireKind.UInt16, ScalarWireType.Primitive("UInt16")),
        (WireKind.Int32, ScalarWireType.Primitive("Int32")),
        (WireKind.UInt32, ScalarWireType.Primitive("UInt32")),
        (WireKind.Int64, ScalarWireType.Primitive("Int64")),
        (WireKind.UInt64, ScalarWireType.Primitive("UInt64")),
        (WireKind.Single, new ScalarWireType(WireType.Serialization + "WireFormat.ReadSingle(ref reader)", WireType.Serialization + "SingleFormatter.Instance")),
        (WireKind.Double, ScalarWireType.Primitive("Double")),
        (WireKind.Char, ScalarWireType.Primitive("Char")),
        (WireKind.String, new ScalarWireType("reader.ReadString()", WireType.MessagePackFormatters + "NullableStringFormatter.Instance", hasNullableMismatch: true)),
        (WireKind.ByteArray, new ScalarWireType(WireType.Serialization + "WireFormat.ReadByteArray(ref reader)", WireType.Serialization + "ByteArrayFormatter.Instance", hasNullableMismatch: true)),
        (WireKind.Guid, new WireFormatWireType("Guid", "global::System.Guid")),
        (WireKind.Decimal, new WireFormatWireType("Decimal", typeName: null)), // spelled as the keyword decimal
        (WireKind.DateTime, new WireFormatWireType("DateTime", "global::System.DateTime")),
        (WireKind.DateTimeOffset, new WireFormatWireType("DateTimeOffset", "global::System.DateTimeOffset")),
        (WireKind.TimeSpan, new WireFormatWireType("TimeSpan", "global::System.TimeSpan")),
        (WireKind.DateOnly, new WireFormatWireType("DateOnly", "global::System.DateOnly")),
        (WireKind.TimeOnly, new WireFormatWireType("TimeOnly", "global::System.TimeOnly")),
        (WireKind.Enum, new EnumWireType()),
        (WireKind.Nullable, new NullableWireType()),
        (WireKind.Array, new ListWireType("Array")),
        (WireKind.List, new ListWireType("List")),
        (WireKind.ReadOnlyList, new ListWireType("ReadOnlyList")),
        (WireKind.ImmutableArray, new ListWireType("ImmutableArray")),
        (WireKind.Dictionary, new DictionaryWireType("Dictionary")),
        (WireKind.ReadOnlyDictionary, new DictionaryWireType("ReadOnlyDictionary")),
        (WireKind.Object, new ObjectWireType()),
    ]);

    /// <summary>The recipe of <paramref name="kind"/>; a kind without a row is treated as unsupported (a test keeps every kind listed).</summary>
    public static WireType For(WireKind kind) =>
        (uint)kind < (uint)s_types.Length && s_types[(int)kind] is { } type ? type : s_unsupported;

    /// <summary>Whether <paramref name="kind"/> has its own row.</summary>
    public static bool Lists(WireKind kind) => (uint)kind < (uint)s_types.Length && s_types[(int)kind] is not null;

    /// <summary>An expression for the formatter of <paramref name="type"/>.</summary>
    public static string Formatter(TypeSpec type) => For(type.Kind).Formatter(type);

    private static WireType?[] Build((WireKind Kind, WireType Type)[] rows)
    {
        int length = 0;
        foreach ((WireKind kind, WireType _) in rows)
        {
            length = System.Math.Max(length, (int)kind + 1);
        }

        var types = new WireType?[length];
        foreach ((WireKind kind, WireType type) in rows)
        {
            types[(int)kind] = type;
        }

        return types;
    }
}
