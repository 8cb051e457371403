using System.Collections.Generic;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

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
        if (map is null)
        {
            writer.WriteNil();
        }
        else
        {
            Collections.WriteMap(ref writer, map, key, value, options);
        }
    }

    /// <inheritdoc />
    public Dictionary<TKey, TValue> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        Collections.ReadMap(ref reader, key, value, options)!;
}
