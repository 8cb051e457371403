using System.Collections.Generic;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

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
