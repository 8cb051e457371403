using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Serialization;

/// <summary>Formats a <see cref="decimal"/> as 16 bytes.</summary>
public sealed class DecimalFormatter : IMessagePackFormatter<decimal>
{
    /// <summary>The shared instance.</summary>
    public static readonly DecimalFormatter Instance = new();

    /// <inheritdoc />
    public void Serialize(ref MessagePackWriter writer, decimal value, MessagePackSerializerOptions options) => WireFormat.WriteDecimal(ref writer, value);

    /// <inheritdoc />
    public decimal Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => WireFormat.ReadDecimal(ref reader);
}
