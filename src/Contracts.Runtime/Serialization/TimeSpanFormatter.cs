using System;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a <see cref="TimeSpan"/> as its ticks.</summary>
public sealed class TimeSpanFormatter : IMessagePackFormatter<TimeSpan>
{
    /// <summary>The shared instance.</summary>
    public static readonly TimeSpanFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, TimeSpan value, MessagePackSerializerOptions options) => WireFormat.WriteTimeSpan(ref writer, value);

    /// <inheritdoc />
    public TimeSpan Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadTimeSpan(ref reader);
}
