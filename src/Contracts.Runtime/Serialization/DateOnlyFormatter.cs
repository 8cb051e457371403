using System;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a <see cref="DateOnly"/> as its day number.</summary>
public sealed class DateOnlyFormatter : IMessagePackFormatter<DateOnly>
{
    /// <summary>The shared instance.</summary>
    public static readonly DateOnlyFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, DateOnly value, MessagePackSerializerOptions options) => WireFormat.WriteDateOnly(ref writer, value);

    /// <inheritdoc />
    public DateOnly Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadDateOnly(ref reader);
}
