using System;
using System.Buffers;
using System.Buffers.Binary;
using System.ComponentModel;
using MessagePack;

namespace Contracts.Serialization;

/// <summary>
/// The parts of the Contracts wire format that MessagePack's own encoding writes wastefully. A
/// <see cref="Guid"/> is 16 bytes in RFC 4122 order (not a 36-character string), a <see cref="decimal"/> is
/// its 16-byte binary form (not a string), dates are integers. Generated formatters call these helpers.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class WireFormat
{
    /// <summary>
    /// How deeply arrays, maps and objects may nest in a payload. Payloads arrive from outside the process: a
    /// limit keeps a hostile one from exhausting the stack. No real message comes near it.
    /// </summary>
    public const int MaxDepth = 128;

    /// <summary>
    /// Enters one level of nesting, failing when the payload nests deeper than <see cref="MaxDepth"/>. The caller
    /// leaves it with <c>reader.Depth--</c>.
    /// </summary>
    /// <remarks>
    /// Contracts formatters keep their own limit instead of MessagePack's <c>options.Security.DepthStep</c>: they take
    /// no <see cref="MessagePackSerializerOptions"/> at all (generated formatters call each other directly), and
    /// constructing MessagePack's options pulls its reflection-based security code into a Native AOT image.
    /// </remarks>
    /// <param name="reader">The reader.</param>
    /// <exception cref="MessagePackSerializationException">The payload nests deeper than <see cref="MaxDepth"/>.</exception>
    public static void EnterDepth(ref MessagePackReader reader)
    {
        if (++reader.Depth > MaxDepth)
        {
            throw new MessagePackSerializationException($"The payload nests deeper than {MaxDepth} levels.");
        }
    }

    /// <summary>Writes a <see cref="Guid"/> as 16 bytes.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteGuid(ref MessagePackWriter writer, Guid value)
    {
        writer.WriteBinHeader(16);
        value.TryWriteBytes(writer.GetSpan(16), bigEndian: true, out _);
        writer.Advance(16);
    }

    /// <summary>Reads a <see cref="Guid"/> written by <see cref="WriteGuid"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static Guid ReadGuid(ref MessagePackReader reader)
    {
        Span<byte> bytes = stackalloc byte[16];
        ReadFixedBinary(ref reader, bytes, "Guid");
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>Writes a <see cref="decimal"/> as its 16-byte binary form.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDecimal(ref MessagePackWriter writer, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        writer.WriteBinHeader(16);
        Span<byte> bytes = writer.GetSpan(16);
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.Slice(i * 4), bits[i]);
        }

        writer.Advance(16);
    }

    /// <summary>Reads a <see cref="decimal"/> written by <see cref="WriteDecimal"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static decimal ReadDecimal(ref MessagePackReader reader)
    {
        Span<byte> bytes = stackalloc byte[16];
        ReadFixedBinary(ref reader, bytes, "decimal");
        Span<int> bits = stackalloc int[4];
        for (int i = 0; i < 4; i++)
        {
            bits[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(i * 4));
        }

        try
        {
            return new decimal(bits);
        }
        catch (ArgumentException ex)
        {
            throw new MessagePackSerializationException("The bytes are not a valid decimal.", ex);
        }
    }

    /// <summary>Writes a <see cref="DateTime"/> as one integer that keeps its kind.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateTime(ref MessagePackWriter writer, DateTime value) => writer.Write(value.ToBinary());

    /// <summary>Reads a <see cref="DateTime"/> written by <see cref="WriteDateTime"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static DateTime ReadDateTime(ref MessagePackReader reader)
    {
        long binary = reader.ReadInt64();
        try
        {
            return DateTime.FromBinary(binary);
        }
        catch (ArgumentException ex)
        {
            throw new MessagePackSerializationException("The value is not a valid DateTime.", ex);
        }
    }

    /// <summary>Writes a <see cref="DateTimeOffset"/> as 10 bytes: clock ticks and offset minutes.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateTimeOffset(ref MessagePackWriter writer, DateTimeOffset value)
    {
        writer.WriteBinHeader(10);
        Span<byte> bytes = writer.GetSpan(10);
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value.Ticks);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.Slice(8), (short)value.TotalOffsetMinutes);
        writer.Advance(10);
    }

    /// <summary>Reads a <see cref="DateTimeOffset"/> written by <see cref="WriteDateTimeOffset"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static DateTimeOffset ReadDateTimeOffset(ref MessagePackReader reader)
    {
        Span<byte> bytes = stackalloc byte[10];
        ReadFixedBinary(ref reader, bytes, "DateTimeOffset");
        long ticks = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        short offsetMinutes = BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(8));
        try
        {
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(offsetMinutes));
        }
        catch (ArgumentException ex)
        {
            throw new MessagePackSerializationException("The bytes are not a valid DateTimeOffset.", ex);
        }
    }

    /// <summary>Writes a <see cref="TimeSpan"/> as its ticks.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteTimeSpan(ref MessagePackWriter writer, TimeSpan value) => writer.Write(value.Ticks);

    /// <summary>Reads a <see cref="TimeSpan"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static TimeSpan ReadTimeSpan(ref MessagePackReader reader) => new(reader.ReadInt64());

    /// <summary>Writes a <see cref="DateOnly"/> as its day number.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateOnly(ref MessagePackWriter writer, DateOnly value) => writer.Write(value.DayNumber);

    /// <summary>Reads a <see cref="DateOnly"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static DateOnly ReadDateOnly(ref MessagePackReader reader)
    {
        int dayNumber = reader.ReadInt32();
        try
        {
            return DateOnly.FromDayNumber(dayNumber);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new MessagePackSerializationException("The value is not a valid DateOnly.", ex);
        }
    }

    /// <summary>Writes a <see cref="TimeOnly"/> as its ticks.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteTimeOnly(ref MessagePackWriter writer, TimeOnly value) => writer.Write(value.Ticks);

    /// <summary>Reads a <see cref="TimeOnly"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static TimeOnly ReadTimeOnly(ref MessagePackReader reader)
    {
        long ticks = reader.ReadInt64();
        try
        {
            return new TimeOnly(ticks);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new MessagePackSerializationException("The value is not a valid TimeOnly.", ex);
        }
    }

    /// <summary>
    /// Reads a byte array written as MessagePack binary, or <see langword="null"/> for nil. A string is refused:
    /// MessagePack's own reader takes one as binary for the old spec's sake, but no Contracts writer writes one.
    /// </summary>
    /// <param name="reader">The reader.</param>
    /// <returns>A new array with the bytes.</returns>
    /// <exception cref="MessagePackSerializationException">The value is neither binary nor nil.</exception>
    public static byte[]? ReadByteArray(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        ExpectBinary(ref reader, "byte[]");
        return reader.ReadBytes()!.Value.ToArray();
    }

    /// <summary>
    /// Reads a <see cref="float"/>. A double is narrowed to the nearest float, but one too large for a float is refused
    /// rather than read as infinity (a NaN or an infinity, which a float writer can write, stays what it is).
    /// </summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The value is a finite double out of a float's range, or not a number.</exception>
    public static float ReadSingle(ref MessagePackReader reader)
    {
        if (reader.NextCode != MessagePackCode.Float64)
        {
            return reader.ReadSingle();
        }

        double value = reader.ReadDouble();
        float narrowed = (float)value;
        if (float.IsInfinity(narrowed) && double.IsFinite(value))
        {
            throw new MessagePackSerializationException(
                $"The double {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} is out of a float's range.");
        }

        return narrowed;
    }

    /// <summary>
    /// Skips one value, such as a member added by a newer version of a contract. Unlike
    /// <see cref="MessagePackReader.Skip"/>, which recurses into nested arrays and maps without limit, it counts
    /// nesting against <see cref="MaxDepth"/>, so a payload of a million nested one-element arrays fails with a
    /// <see cref="MessagePackSerializationException"/> instead of overflowing the stack and ending the process.
    /// </summary>
    /// <param name="reader">The reader, positioned at the value.</param>
    public static void Skip(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
            {
                int count = reader.ReadArrayHeader();
                EnterDepth(ref reader);
                try
                {
                    for (int i = 0; i < count; i++)
                    {
                        Skip(ref reader);
                    }
                }
                finally
                {
                    reader.Depth--;
                }

                break;
            }

            case MessagePackType.Map:
            {
                int count = reader.ReadMapHeader();
                EnterDepth(ref reader);
                try
                {
                    for (int i = 0; i < count; i++)
                    {
                        Skip(ref reader);
                        Skip(ref reader);
                    }
                }
                finally
                {
                    reader.Depth--;
                }

                break;
            }

            default:
                reader.Skip(); // a scalar, string, binary or extension: no nesting
                break;
        }
    }

    /// <summary>Throws the error a generated formatter raises when a required value is nil.</summary>
    /// <param name="typeName">The type being read.</param>
    /// <returns>Never returns.</returns>
    public static MessagePackSerializationException NilValue(string typeName) =>
        new($"A nil value was found where '{typeName}' was expected.");

    /// <summary>The error a generated formatter raises when a member that is not nullable is nil.</summary>
    /// <param name="typeName">The record or class being read.</param>
    /// <param name="member">The member.</param>
    /// <returns>The exception, for the caller to throw.</returns>
    public static MessagePackSerializationException NilMember(string typeName, string member) =>
        new($"'{typeName}.{member}' is not nullable, but the payload has nil for it.");

    /// <summary>The error a generated enum formatter raises for a number that is not one of the enum's values.</summary>
    /// <param name="enumName">The enum.</param>
    /// <param name="value">The number read.</param>
    /// <returns>The exception, for the caller to throw.</returns>
    public static MessagePackSerializationException UndefinedEnum(string enumName, long value) =>
        new($"{value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a defined value of '{enumName}'.");

    /// <inheritdoc cref="UndefinedEnum(string, long)"/>
    public static MessagePackSerializationException UndefinedEnum(string enumName, ulong value) =>
        new($"{value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a defined value of '{enumName}'.");

    private static void ExpectBinary(ref MessagePackReader reader, string typeName)
    {
        // One peeked byte. MessagePack's ReadBytes also takes a string (old-spec compatibility), so a 16-character
        // string would otherwise read as a Guid or a decimal.
        MessagePackType type = reader.NextMessagePackType;
        if (type != MessagePackType.Binary)
        {
            throw new MessagePackSerializationException($"A {typeName} is MessagePack binary; found {Describe(type)}.");
        }
    }

    private static string Describe(MessagePackType type) => type switch
    {
        MessagePackType.Nil => "nil",
        MessagePackType.Integer => "an integer",
        MessagePackType.Boolean => "a boolean",
        MessagePackType.Float => "a float",
        MessagePackType.String => "a string",
        MessagePackType.Array => "an array",
        MessagePackType.Map => "a map",
        MessagePackType.Extension => "an extension",
        _ => "an unknown code",
    };

    private static void ReadFixedBinary(ref MessagePackReader reader, scoped Span<byte> destination, string typeName)
    {
        ExpectBinary(ref reader, typeName);
        ReadOnlySequence<byte> bytes = reader.ReadBytes()!.Value;
        if (bytes.Length != destination.Length)
        {
            throw new MessagePackSerializationException($"A {typeName} is {destination.Length} bytes of binary; found {bytes.Length} bytes.");
        }

        bytes.CopyTo(destination);
    }
}
