
namespace Contracts.CodeAnalysis;

/// <summary>How a type travels on the wire.</summary>
internal enum WireKind
{
    Unsupported,
    Boolean, Byte, SByte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double, Char,
    String, ByteArray, Guid, Decimal, DateTime, DateTimeOffset, TimeSpan, DateOnly, TimeOnly,
    Enum, Nullable, Array, List, ReadOnlyList, ImmutableArray, Dictionary, ReadOnlyDictionary, Object,
}
