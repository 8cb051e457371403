using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats <see cref="ImmutableArray{T}"/>; a default (uninitialized) array travels as nil.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="element">The element formatter.</param>
public sealed class ImmutableArrayFormatter<T>(IMessagePackFormatter<T> element) : IMessagePackFormatter<ImmutableArray<T>>
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, ImmutableArray<T> value, MessagePackSerializerOptions options)
    {
        if (value.IsDefault)
        {
            writer.WriteNil();
        }
        else
        {
            Collections.WriteSpan(ref writer, value.AsSpan(), element, options);
        }
    }

    /// <inheritdoc />
    public ImmutableArray<T> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        T[]? items = Collections.ReadArray(ref reader, element, options);
        return items is null ? default : ImmutableCollectionsMarshal.AsImmutableArray(items);
    }
}
