using System;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a <see cref="TimeOnly"/> as its ticks.</summary>
public sealed class TimeOnlyFormatter : IMessagePackFormatter<TimeOnly>
{
    /// <summary>The shared instance.</summary>
    public static readonly TimeOnlyFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, TimeOnly value, MessagePackSerializerOptions options) => WireFormat.WriteTimeOnly(ref writer, value);

    /// <inheritdoc />
    public TimeOnly Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadTimeOnly(ref reader);
}
