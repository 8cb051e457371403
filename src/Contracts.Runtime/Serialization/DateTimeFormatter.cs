using System;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a <see cref="DateTime"/> as one integer.</summary>
public sealed class DateTimeFormatter : IMessagePackFormatter<DateTime>
{
    /// <summary>The shared instance.</summary>
    public static readonly DateTimeFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, DateTime value, MessagePackSerializerOptions options) => WireFormat.WriteDateTime(ref writer, value);

    /// <inheritdoc />
    public DateTime Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadDateTime(ref reader);
}
