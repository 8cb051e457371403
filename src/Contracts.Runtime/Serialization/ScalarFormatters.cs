using System;
using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a <see cref="Guid"/> as 16 bytes; used where a Guid is an element of a collection.</summary>
public sealed class GuidFormatter : IMessagePackFormatter<Guid>
{
    /// <summary>The shared instance.</summary>
    public static readonly GuidFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, Guid value, MessagePackSerializerOptions options) => WireFormat.WriteGuid(ref writer, value);

    /// <inheritdoc />
    public Guid Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadGuid(ref reader);
}

/// <summary>Formats a <see cref="decimal"/> as 16 bytes.</summary>
public sealed class DecimalFormatter : IMessagePackFormatter<decimal>
{
    /// <summary>The shared instance.</summary>
    public static readonly DecimalFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, decimal value, MessagePackSerializerOptions options) => WireFormat.WriteDecimal(ref writer, value);

    /// <inheritdoc />
    public decimal Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadDecimal(ref reader);
}

/// <summary>Formats a <see cref="DateTime"/> as one integer.</summary>
public sealed class DateTimeFormatter : IMessagePackFormatter<DateTime>
{
    /// <summary>The shared instance.</summary>
    public static readonly DateTimeFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, DateTime value, MessagePackSerializerOptions options) => WireFormat.WriteDateTime(ref writer, value);

    /// <inheritdoc />
    public DateTime Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadDateTime(ref reader);
}

/// <summary>Formats a <see cref="DateTimeOffset"/> as 10 bytes.</summary>
public sealed class DateTimeOffsetFormatter : IMessagePackFormatter<DateTimeOffset>
{
    /// <summary>The shared instance.</summary>
    public static readonly DateTimeOffsetFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, DateTimeOffset value, MessagePackSerializerOptions options) => WireFormat.WriteDateTimeOffset(ref writer, value);

    /// <inheritdoc />
    public DateTimeOffset Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadDateTimeOffset(ref reader);
}

/// <summary>Formats a <see cref="TimeSpan"/> as its ticks.</summary>
public sealed class TimeSpanFormatter : IMessagePackFormatter<TimeSpan>
{
    /// <summary>The shared instance.</summary>
    public static readonly TimeSpanFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, TimeSpan value, MessagePackSerializerOptions options) => WireFormat.WriteTimeSpan(ref writer, value);

    /// <inheritdoc />
    public TimeSpan Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadTimeSpan(ref reader);
}

/// <summary>Formats a <see cref="DateOnly"/> as its day number.</summary>
public sealed class DateOnlyFormatter : IMessagePackFormatter<DateOnly>
{
    /// <summary>The shared instance.</summary>
    public static readonly DateOnlyFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, DateOnly value, MessagePackSerializerOptions options) => WireFormat.WriteDateOnly(ref writer, value);

    /// <inheritdoc />
    public DateOnly Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadDateOnly(ref reader);
}

/// <summary>Formats a <see cref="TimeOnly"/> as its ticks.</summary>
public sealed class TimeOnlyFormatter : IMessagePackFormatter<TimeOnly>
{
    /// <summary>The shared instance.</summary>
    public static readonly TimeOnlyFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, TimeOnly value, MessagePackSerializerOptions options) => WireFormat.WriteTimeOnly(ref writer, value);

    /// <inheritdoc />
    public TimeOnly Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadTimeOnly(ref reader);
}

/// <summary>
/// Formats an enum as its underlying integer: the same bytes a generated formatter writes for an enum member
/// (MessagePack encodes an integer by value, whatever its width).
/// </summary>
/// <typeparam name="TEnum">The enum type.</typeparam>
/// <param name="signed">Whether the underlying type is signed (the generator knows it; no reflection here).</param>
public sealed class EnumFormatter<TEnum>(bool signed) : IMessagePackFormatter<TEnum>
    where TEnum : struct, Enum
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, TEnum value, MessagePackSerializerOptions options)
    {
        if (signed)
        {
            writer.Write(Unsafe.SizeOf<TEnum>() switch
            {
                1 => Unsafe.As<TEnum, sbyte>(ref value),
                2 => Unsafe.As<TEnum, short>(ref value),
                4 => Unsafe.As<TEnum, int>(ref value),
                _ => Unsafe.As<TEnum, long>(ref value),
            });
        }
        else
        {
            writer.Write(Unsafe.SizeOf<TEnum>() switch
            {
                1 => Unsafe.As<TEnum, byte>(ref value),
                2 => Unsafe.As<TEnum, ushort>(ref value),
                4 => Unsafe.As<TEnum, uint>(ref value),
                _ => Unsafe.As<TEnum, ulong>(ref value),
            });
        }
    }

    /// <inheritdoc />
    public TEnum Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        // Reading at the exact width lets MessagePack reject a value that does not fit the enum.
        TEnum value = default;
        switch (Unsafe.SizeOf<TEnum>())
        {
            case 1:
                if (signed) Unsafe.As<TEnum, sbyte>(ref value) = reader.ReadSByte();
                else Unsafe.As<TEnum, byte>(ref value) = reader.ReadByte();
                break;
            case 2:
                if (signed) Unsafe.As<TEnum, short>(ref value) = reader.ReadInt16();
                else Unsafe.As<TEnum, ushort>(ref value) = reader.ReadUInt16();
                break;
            case 4:
                if (signed) Unsafe.As<TEnum, int>(ref value) = reader.ReadInt32();
                else Unsafe.As<TEnum, uint>(ref value) = reader.ReadUInt32();
                break;
            default:
                if (signed) Unsafe.As<TEnum, long>(ref value) = reader.ReadInt64();
                else Unsafe.As<TEnum, ulong>(ref value) = reader.ReadUInt64();
                break;
        }

        return value;
    }
}
