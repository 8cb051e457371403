using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a byte array as MessagePack binary, refusing a string (<see cref="WireFormat.ReadByteArray"/>); used where a byte array is an element of a collection.</summary>
public sealed class ByteArrayFormatter : IMessagePackFormatter<byte[]?>
{
    /// <summary>The shared instance.</summary>
    public static readonly ByteArrayFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, byte[]? value, MessagePackSerializerOptions options) => writer.Write(value);

    /// <inheritdoc />
    public byte[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadByteArray(ref reader);
}
