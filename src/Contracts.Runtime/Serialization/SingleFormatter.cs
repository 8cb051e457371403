using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a <see cref="float"/>, refusing a double out of its range (<see cref="WireFormat.ReadSingle"/>); used where a float is an element of a collection.</summary>
public sealed class SingleFormatter : IMessagePackFormatter<float>
{
    /// <summary>The shared instance.</summary>
    public static readonly SingleFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, float value, MessagePackSerializerOptions options) => writer.Write(value);

    /// <inheritdoc />
    public float Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadSingle(ref reader);
}
