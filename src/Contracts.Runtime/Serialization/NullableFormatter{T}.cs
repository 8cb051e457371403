using System;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats <see cref="Nullable{T}"/>: nil or the value.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="inner">The value formatter.</param>
public sealed class NullableFormatter<T>(IMessagePackFormatter<T> inner) : IMessagePackFormatter<T?>
    where T : struct
{
    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, T? value, MessagePackSerializerOptions options)
    {
        if (value.HasValue)
        {
            inner.Serialize(ref writer, value.GetValueOrDefault(), options);
        }
        else
        {
            writer.WriteNil();
        }
    }

    /// <inheritdoc />
    public T? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        reader.TryReadNil() ? null : inner.Deserialize(ref reader, options);
}
