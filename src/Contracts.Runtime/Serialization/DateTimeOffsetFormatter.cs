using System;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a <see cref="DateTimeOffset"/> as 10 bytes.</summary>
public sealed class DateTimeOffsetFormatter : IMessagePackFormatter<DateTimeOffset>
{
    /// <summary>The shared instance.</summary>
    public static readonly DateTimeOffsetFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, DateTimeOffset value, MessagePackSerializerOptions options) => WireFormat.WriteDateTimeOffset(ref writer, value);

    /// <inheritdoc />
    public DateTimeOffset Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadDateTimeOffset(ref reader);
}
