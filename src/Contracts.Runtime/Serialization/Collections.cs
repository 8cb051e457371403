using System;
using System.Collections.Generic;
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
