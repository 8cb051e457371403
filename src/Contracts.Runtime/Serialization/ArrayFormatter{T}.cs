using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats <c>T[]</c>.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="element">The element formatter.</param>
public sealed class ArrayFormatter<T>(IMessagePackFormatter<T> element) : IMessagePackFormatter<T[]>
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, T[] value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            Collections.WriteSpan(ref writer, value, element, options);
        }
    }

    /// <inheritdoc />
    public T[] Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        Collections.ReadArray(ref reader, element, options)!;
}
