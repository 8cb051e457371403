using System;
using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>
/// Formats an enum as its underlying integer: the same bytes a generated formatter writes for an enum member
/// (MessagePack encodes an integer by value, whatever its width).
/// </summary>
/// <remarks>
/// Generated formatters no longer use it: the generator writes a formatter per enum that also refuses a number the
/// enum does not define (it knows the values at compile time). This one takes any number that fits the width.
/// </remarks>
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
                if (signed)
                {
                    Unsafe.As<TEnum, sbyte>(ref value) = reader.ReadSByte();
                }
                else
                {
                    Unsafe.As<TEnum, byte>(ref value) = reader.ReadByte();
                }

                break;
            case 2:
                if (signed)
                {
                    Unsafe.As<TEnum, short>(ref value) = reader.ReadInt16();
                }
                else
                {
                    Unsafe.As<TEnum, ushort>(ref value) = reader.ReadUInt16();
                }

                break;
            case 4:
                if (signed)
                {
                    Unsafe.As<TEnum, int>(ref value) = reader.ReadInt32();
                }
                else
                {
                    Unsafe.As<TEnum, uint>(ref value) = reader.ReadUInt32();
                }

                break;
            default:
                if (signed)
                {
                    Unsafe.As<TEnum, long>(ref value) = reader.ReadInt64();
                }
                else
                {
                    Unsafe.As<TEnum, ulong>(ref value) = reader.ReadUInt64();
                }

                break;
        }

        return value;
    }
}
