using System.Collections.Generic;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats <see cref="List{T}"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="element">The element formatter.</param>
public sealed class ListFormatter<T>(IMessagePackFormatter<T> element) : IMessagePackFormatter<List<T>>
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, List<T> value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            Collections.WriteSpan<T>(ref writer, CollectionsMarshal.AsSpan(value), element, options);
        }
    }

    /// <inheritdoc />
    public List<T> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        T[]? items = Collections.ReadArray(ref reader, element, options);
        return items is null ? null! : new List<T>(items);
    }
}
