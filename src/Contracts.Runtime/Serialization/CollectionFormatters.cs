using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>
/// Shared reading and writing of MessagePack arrays and maps for the collection formatters. Like MessagePack's own
/// formatters, a collection formatter reads nil as <see langword="null"/> whatever the nullability of its type argument.
/// </summary>
internal static class Collections
{
    public static T[]? ReadArray<T>(ref MessagePackReader reader, IMessagePackFormatter<T> element, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        // ReadArrayHeader refuses a count larger than the bytes left, so a hostile header cannot make us allocate.
        int count = reader.ReadArrayHeader();
        WireFormat.EnterDepth(ref reader);
        try
        {
            T[] items = count == 0 ? Array.Empty<T>() : new T[count];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = element.Deserialize(ref reader, options);
            }

            return items;
        }
        finally
        {
            reader.Depth--;
        }
    }

    public static void WriteSpan<T>(ref MessagePackWriter writer, ReadOnlySpan<T> items, IMessagePackFormatter<T> element, MessagePackSerializerOptions options)
    {
        writer.WriteArrayHeader(items.Length);
        for (int i = 0; i < items.Length; i++)
        {
            element.Serialize(ref writer, items[i], options);
        }
    }

    public static void WriteList<T>(ref MessagePackWriter writer, IReadOnlyList<T> items, IMessagePackFormatter<T> element, MessagePackSerializerOptions options)
    {
        int count = items.Count;
        writer.WriteArrayHeader(count);
        for (int i = 0; i < count; i++)
        {
            element.Serialize(ref writer, items[i], options);
        }
    }

    public static Dictionary<TKey, TValue>? ReadMap<TKey, TValue>(
        ref MessagePackReader reader,
        IMessagePackFormatter<TKey> key,
        IMessagePackFormatter<TValue> value,
        MessagePackSerializerOptions options)
        where TKey : notnull
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadMapHeader();
        WireFormat.EnterDepth(ref reader);
        try
        {
            // Keys come from untrusted bytes: hash them with a per-process random seed, so crafted keys cannot
            // pile into one bucket. (MessagePack's own collision-resistant comparers use reflection that
            // Native AOT cannot compile.)
            var map = new Dictionary<TKey, TValue>(count, SeededComparer<TKey>.Instance);
            for (int i = 0; i < count; i++)
            {
                TKey k = key.Deserialize(ref reader, options);
                TValue v = value.Deserialize(ref reader, options);
                if (!map.TryAdd(k, v))
                {
                    throw new MessagePackSerializationException($"The map has the key '{k}' twice.");
                }
            }

            return map;
        }
        finally
        {
            reader.Depth--;
        }
    }

    public static void WriteMap<TKey, TValue>(
        ref MessagePackWriter writer,
        IReadOnlyCollection<KeyValuePair<TKey, TValue>> map,
        IMessagePackFormatter<TKey> key,
        IMessagePackFormatter<TValue> value,
        MessagePackSerializerOptions options)
    {
        writer.WriteMapHeader(map.Count);
        foreach (KeyValuePair<TKey, TValue> pair in map)
        {
            key.Serialize(ref writer, pair.Key, options);
            value.Serialize(ref writer, pair.Value, options);
        }
    }
}

/// <summary>
/// Equality as <see cref="EqualityComparer{T}.Default"/>, hash codes mixed with <see cref="HashCode"/>'s
/// per-process random seed, so bucket placement cannot be predicted from outside the process. (Strings are
/// already hashed with a random seed by the runtime.)
/// </summary>
internal sealed class SeededComparer<T> : IEqualityComparer<T>
{
    public static readonly IEqualityComparer<T> Instance =
        typeof(T) == typeof(string) ? EqualityComparer<T>.Default : new SeededComparer<T>();

    public bool Equals(T? x, T? y) => EqualityComparer<T>.Default.Equals(x, y);

    public int GetHashCode(T obj) => HashCode.Combine(obj is null ? 0 : EqualityComparer<T>.Default.GetHashCode(obj));
}

/// <summary>Formats <c>T[]</c>.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="element">The element formatter.</param>
public sealed class ArrayFormatter<T>(IMessagePackFormatter<T> element) : IMessagePackFormatter<T[]>
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, T[] value, MessagePackSerializerOptions options)
    {
        if (value is null) writer.WriteNil();
        else Collections.WriteSpan(ref writer, value, element, options);
    }

    /// <inheritdoc />
    public T[] Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        Collections.ReadArray(ref reader, element, options)!;
}

/// <summary>Formats <see cref="List{T}"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="element">The element formatter.</param>
public sealed class ListFormatter<T>(IMessagePackFormatter<T> element) : IMessagePackFormatter<List<T>>
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, List<T> value, MessagePackSerializerOptions options)
    {
        if (value is null) writer.WriteNil();
        else Collections.WriteSpan<T>(ref writer, CollectionsMarshal.AsSpan(value), element, options);
    }

    /// <inheritdoc />
    public List<T> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        T[]? items = Collections.ReadArray(ref reader, element, options);
        return items is null ? null! : new List<T>(items);
    }
}

/// <summary>Formats <see cref="IReadOnlyList{T}"/>; reads into an array.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="element">The element formatter.</param>
public sealed class ReadOnlyListFormatter<T>(IMessagePackFormatter<T> element) : IMessagePackFormatter<IReadOnlyList<T>>
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, IReadOnlyList<T> value, MessagePackSerializerOptions options)
    {
        switch (value)
        {
            case null: writer.WriteNil(); break;
            case T[] array: Collections.WriteSpan<T>(ref writer, array, element, options); break;
            default: Collections.WriteList(ref writer, value, element, options); break;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<T> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        Collections.ReadArray(ref reader, element, options)!;
}

/// <summary>Formats <see cref="ImmutableArray{T}"/>; a default (uninitialized) array travels as nil.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="element">The element formatter.</param>
public sealed class ImmutableArrayFormatter<T>(IMessagePackFormatter<T> element) : IMessagePackFormatter<ImmutableArray<T>>
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, ImmutableArray<T> value, MessagePackSerializerOptions options)
    {
        if (value.IsDefault) writer.WriteNil();
        else Collections.WriteSpan(ref writer, value.AsSpan(), element, options);
    }

    /// <inheritdoc />
    public ImmutableArray<T> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        T[]? items = Collections.ReadArray(ref reader, element, options);
        return items is null ? default : ImmutableCollectionsMarshal.AsImmutableArray(items);
    }
}

/// <summary>Formats <see cref="Dictionary{TKey, TValue}"/> as a MessagePack map.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <param name="key">The key formatter.</param>
/// <param name="value">The value formatter.</param>
public sealed class DictionaryFormatter<TKey, TValue>(IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> value)
    : IMessagePackFormatter<Dictionary<TKey, TValue>>
    where TKey : notnull
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, Dictionary<TKey, TValue> map, MessagePackSerializerOptions options)
    {
        if (map is null) writer.WriteNil();
        else Collections.WriteMap(ref writer, map, key, value, options);
    }

    /// <inheritdoc />
    public Dictionary<TKey, TValue> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        Collections.ReadMap(ref reader, key, value, options)!;
}

/// <summary>Formats <see cref="IReadOnlyDictionary{TKey, TValue}"/> as a MessagePack map; reads into a dictionary.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <param name="key">The key formatter.</param>
/// <param name="value">The value formatter.</param>
public sealed class ReadOnlyDictionaryFormatter<TKey, TValue>(IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> value)
    : IMessagePackFormatter<IReadOnlyDictionary<TKey, TValue>>
    where TKey : notnull
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, IReadOnlyDictionary<TKey, TValue> map, MessagePackSerializerOptions options)
    {
        if (map is null) writer.WriteNil();
        else Collections.WriteMap(ref writer, map, key, value, options);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<TKey, TValue> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        Collections.ReadMap(ref reader, key, value, options)!;
}

/// <summary>Formats <see cref="Nullable{T}"/>: nil or the value.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="inner">The value formatter.</param>
public sealed class NullableFormatter<T>(IMessagePackFormatter<T> inner) : IMessagePackFormatter<T?>
    where T : struct
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, T? value, MessagePackSerializerOptions options)
    {
        if (value.HasValue) inner.Serialize(ref writer, value.GetValueOrDefault(), options);
        else writer.WriteNil();
    }

    /// <inheritdoc />
    public T? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        reader.TryReadNil() ? null : inner.Deserialize(ref reader, options);
}
