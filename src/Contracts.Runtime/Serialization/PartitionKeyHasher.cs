using System;
using System.Buffers.Binary;
using System.ComponentModel;
using System.Globalization;

namespace Contracts.Serialization;

/// <summary>
/// Hashes a partition key: each key member's canonical value (as <see cref="IdempotencyKeyBuilder"/> writes it: strings
/// by their UTF-16 code units with their length, decimals without trailing zeros, dates and times as ticks, instants in
/// UTC) folded 64 bits at a time into an FNV-style state, with a final avalanche. No per-process seed and no
/// <see cref="string.GetHashCode()"/>: the same key hashes the same in every process, run and platform, which is
/// what lets a key keep its lane. Generated code calls it; it allocates nothing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public ref struct PartitionKeyHasher
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    // Tags keep values of different kinds from folding to the same state ("1" the string and 1 the number).
    private const ulong StringTag = 1, SignedTag = 2, UnsignedTag = 3, DecimalTag = 4, TrueTag = 5, FalseTag = 6, GuidTag = 7, NullTag = 8;

    private ulong _state;
    private bool _started;

    private void Mix(ulong word)
    {
        if (!_started)
        {
            _state = Offset;
            _started = true;
        }

        _state = (_state ^ word) * Prime;
        _state ^= _state >> 29;
    }

    /// <summary>Adds a string (or a missing one).</summary>
    /// <param name="value">The value.</param>
    public void Append(string? value)
    {
        if (value is null)
        {
            AppendNull();
            return;
        }

        Mix(StringTag);
        Mix((ulong)value.Length);
        int i = 0;
        for (; i + 4 <= value.Length; i += 4)
        {
            Mix(value[i] | ((ulong)value[i + 1] << 16) | ((ulong)value[i + 2] << 32) | ((ulong)value[i + 3] << 48));
        }

        ulong rest = 0;
        for (int shift = 0; i < value.Length; i++, shift += 16)
        {
            rest |= (ulong)value[i] << shift;
        }

        Mix(rest);
    }

    /// <summary>Adds a signed integer (and enums with a signed underlying type).</summary>
    /// <param name="value">The value.</param>
    public void Append(long value)
    {
        Mix(SignedTag);
        Mix(unchecked((ulong)value));
    }

    /// <summary>Adds an unsigned integer.</summary>
    /// <param name="value">The value.</param>
    public void Append(ulong value)
    {
        Mix(UnsignedTag);
        Mix(value);
    }

    /// <summary>Adds a decimal by its text without trailing zeros, so 1.5 and 1.50 are one key.</summary>
    /// <param name="value">The value.</param>
    public void Append(decimal value)
    {
        Span<char> text = stackalloc char[32];
        value.TryFormat(text, out int written, "G29", CultureInfo.InvariantCulture);
        Mix(DecimalTag);
        Mix((ulong)written);
        for (int i = 0; i < written; i++)
        {
            Mix(text[i]);
        }
    }

    /// <summary>Adds a boolean.</summary>
    /// <param name="value">The value.</param>
    public void Append(bool value) => Mix(value ? TrueTag : FalseTag);

    /// <summary>Adds a character as its code.</summary>
    /// <param name="value">The value.</param>
    public void Append(char value) => Append((long)value);

    /// <summary>Adds a GUID by its 16 bytes (in the platform-independent order of <see cref="Guid.TryWriteBytes(Span{byte})"/>).</summary>
    /// <param name="value">The value.</param>
    public void Append(Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes);
        Mix(GuidTag);
        Mix(BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Mix(BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]));
    }

    /// <summary>Adds a date and time as ticks and kind.</summary>
    /// <param name="value">The value.</param>
    public void Append(DateTime value) => Append(value.ToBinary());

    /// <summary>Adds an instant as UTC ticks: the same instant in two offsets is one key.</summary>
    /// <param name="value">The value.</param>
    public void Append(DateTimeOffset value) => Append(value.UtcTicks);

    /// <summary>Adds a duration as ticks.</summary>
    /// <param name="value">The value.</param>
    public void Append(TimeSpan value) => Append(value.Ticks);

    /// <summary>Adds a date as its day number.</summary>
    /// <param name="value">The value.</param>
    public void Append(DateOnly value) => Append(value.DayNumber);

    /// <summary>Adds a time of day as ticks.</summary>
    /// <param name="value">The value.</param>
    public void Append(TimeOnly value) => Append(value.Ticks);

    /// <summary>Adds a missing value.</summary>
    public void AppendNull() => Mix(NullTag);

    /// <summary>The key's hash, avalanched so that its low bits (a lane is the hash modulo the lane count) depend on every bit.</summary>
    /// <returns>The hash.</returns>
    public readonly ulong ToHash()
    {
        ulong h = _started ? _state : Offset;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
