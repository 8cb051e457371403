using System;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a <see cref="Guid"/> as 16 bytes; used where a Guid is an element of a collection.</summary>
public sealed class GuidFormatter : IMessagePackFormatter<Guid>
{
    /// <summary>The shared instance.</summary>
    public static readonly GuidFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, Guid value, MessagePackSerializerOptions options) => WireFormat.WriteGuid(ref writer, value);

    /// <inheritdoc />
    public Guid Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadGuid(ref reader);
}
