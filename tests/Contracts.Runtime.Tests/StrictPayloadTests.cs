using System;
using System.Buffers;
using System.Collections.Generic;
using MessagePack;

namespace Contracts.Runtime.Tests;

public enum Shade { Red = 1, Green = 2, Blue = 5 }

[Flags]
public enum Access : byte { None = 0, Read = 1, Write = 2, Run = 8 }

[Event(Name = "tests.strict")]
public partial record Strict(
    Guid Id, decimal Amount, byte[] Blob, byte[]? MaybeBlob, string Name, string? MaybeName, Shade Shade, Access Access,
    float Ratio, Part Part, Part? MaybePart, IReadOnlyList<Shade> Shades, IReadOnlyList<float> Ratios, Shade? MaybeShade);

/// <summary>
/// What a generated reader refuses and what it still reads (docs/architecture.md, "Wire format"): each hostile value
/// is put in place of one member of an otherwise valid payload.
/// </summary>
public sealed class StrictPayloadTests
{
    private delegate void Value(ref MessagePackWriter writer);

    private static readonly Value[] s_valid =
    [
        (ref MessagePackWriter w) => Serialization.WireFormat.WriteGuid(ref w, Guid.Empty),
        (ref MessagePackWriter w) => Serialization.WireFormat.WriteDecimal(ref w, 1.5m),
        (ref MessagePackWriter w) => w.Write(new byte[] { 1, 2 }),
        (ref MessagePackWriter w) => w.WriteNil(),
        (ref MessagePackWriter w) => w.Write("name"),
        (ref MessagePackWriter w) => w.WriteNil(),
        (ref MessagePackWriter w) => w.Write(1),
        (ref MessagePackWriter w) => w.Write(0),
        (ref MessagePackWriter w) => w.Write(0.5f),
        (ref MessagePackWriter w) => Part(ref w),
        (ref MessagePackWriter w) => w.WriteNil(),
        (ref MessagePackWriter w) => w.WriteArrayHeader(0),
        (ref MessagePackWriter w) => w.WriteArrayHeader(0),
        (ref MessagePackWriter w) => w.WriteNil(),
    ];

    private static void Part(ref MessagePackWriter w)
    {
        w.WriteArrayHeader(2);
        w.Write("bolt");
        w.Write(1);
    }

    private static byte[] Payload(int index, Value value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(s_valid.Length);
        for (int i = 0; i < s_valid.Length; i++)
        {
            (i == index ? value : s_valid[i])(ref writer);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static Strict Read(byte[] payload) => Descriptor.Of<Strict>().DeserializeTyped(payload);

    private static readonly string s_sixteen = "0123456789abcdef";

    public static TheoryData<string, int, string> Hostile => new()
    {
        { "Guid as a 16-character string", 0, "A Guid is MessagePack binary; found a string." },
        { "Guid as a canonical string", 0, "A Guid is MessagePack binary; found a string." },
        { "Guid as nil", 0, "A Guid is MessagePack binary; found nil." },
        { "decimal as a 16-character string", 1, "A decimal is MessagePack binary; found a string." },
        { "byte[] as a string", 2, "A byte[] is MessagePack binary; found a string." },
        { "nullable byte[] as a string", 3, "A byte[] is MessagePack binary; found a string." },
        { "nil byte[]", 2, "'Contracts.Runtime.Tests.Strict.Blob' is not nullable, but the payload has nil for it." },
        { "nil string", 4, "'Contracts.Runtime.Tests.Strict.Name' is not nullable, but the payload has nil for it." },
        { "nil record", 9, "'Contracts.Runtime.Tests.Strict.Part' is not nullable, but the payload has nil for it." },
        { "nil string in a nested record", 10, "'Contracts.Runtime.Tests.Part.Name' is not nullable, but the payload has nil for it." },
        { "nil list", 11, "'Contracts.Runtime.Tests.Strict.Shades' is not nullable, but the payload has nil for it." },
        { "undefined enum value", 6, "3 is not a defined value of 'Contracts.Runtime.Tests.Shade'." },
        { "undefined enum value in a list", 11, "0 is not a defined value of 'Contracts.Runtime.Tests.Shade'." },
        { "undefined enum value in a nullable", 13, "6 is not a defined value of 'Contracts.Runtime.Tests.Shade'." },
        { "flag outside the defined bits", 7, "4 is not a defined value of 'Contracts.Runtime.Tests.Access'." },
        { "flags with one bit outside", 7, "13 is not a defined value of 'Contracts.Runtime.Tests.Access'." },
        { "double beyond float range", 8, "The double 1E+300 is out of a float's range." },
        { "double beyond float range in an array", 12, "The double -1E+39 is out of a float's range." },
    };

    private static Value HostileValue(string scenario) => scenario switch
    {
        "Guid as a 16-character string" or "decimal as a 16-character string" or "byte[] as a string" or "nullable byte[] as a string" =>
            (ref MessagePackWriter w) => w.Write(s_sixteen),
        "Guid as a canonical string" => (ref MessagePackWriter w) => w.Write(Guid.Empty.ToString()),
        "nil string in a nested record" => (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            w.WriteNil();
            w.Write(1);
        },
        "undefined enum value" => (ref MessagePackWriter w) => w.Write(3),
        "undefined enum value in a list" => (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            w.Write(5);
            w.Write(0);
        },
        "undefined enum value in a nullable" => (ref MessagePackWriter w) => w.Write(6),
        "flag outside the defined bits" => (ref MessagePackWriter w) => w.Write(4),
        "flags with one bit outside" => (ref MessagePackWriter w) => w.Write(13),
        "double beyond float range" => (ref MessagePackWriter w) => w.Write(1e300),
        "double beyond float range in an array" => (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(1);
            w.Write(-1e39);
        },
        _ => (ref MessagePackWriter w) => w.WriteNil(),
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_value_is_refused_with_the_contract_and_what_was_wrong(string scenario, int index, string expected)
    {
        byte[] payload = Payload(index, HostileValue(scenario));

        MessagePackSerializationException ex = Assert.Throws<MessagePackSerializationException>(() => Read(payload));

        Assert.Equal($"The payload is not a valid 'tests.strict': {expected}", ex.Message);
    }

    [Fact]
    public void The_valid_payload_reads()
    {
        Strict read = Read(Payload(-1, null!));

        Assert.Equal("name", read.Name);
        Assert.Null(read.MaybeBlob);
        Assert.Null(read.MaybeName);
        Assert.Null(read.MaybePart);
        Assert.Null(read.MaybeShade);
    }

    public static TheoryData<Shade> Shades => new(Enum.GetValues<Shade>());

    [Theory]
    [MemberData(nameof(Shades))]
    public void Every_defined_enum_value_round_trips(Shade shade)
    {
        Strict got = RoundTrip(Sample() with { Shade = shade, MaybeShade = shade, Shades = [shade] });

        Assert.Equal(shade, got.Shade);
        Assert.Equal(shade, got.MaybeShade);
        Assert.Equal(shade, Assert.Single(got.Shades));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(11)]
    public void Every_combination_of_defined_flags_round_trips(byte bits)
    {
        Assert.Equal((Access)bits, RoundTrip(Sample() with { Access = (Access)bits }).Access);
    }

    [Theory]
    [InlineData(float.MaxValue)]
    [InlineData(float.MinValue)]
    [InlineData(float.Epsilon)]
    [InlineData(-0f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Every_float_round_trips_bit_for_bit(float value)
    {
        Strict got = RoundTrip(Sample() with { Ratio = value, Ratios = [value] });

        Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(got.Ratio));
        Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(got.Ratios[0]));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(3.4028234663852886E+38)] // float.MaxValue, as a double
    [InlineData(1e-60)] // below a float's smallest: rounds to zero, as any narrowing rounds
    [InlineData(0.1)]
    public void A_double_within_float_range_or_not_finite_is_narrowed(double value)
    {
        Strict got = Read(Payload(8, (ref MessagePackWriter w) => w.Write(value)));

        Assert.Equal((float)value, got.Ratio);
    }

    [Fact]
    public void A_Guid_and_a_decimal_round_trip()
    {
        var id = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        Strict got = RoundTrip(Sample() with { Id = id, Amount = decimal.MinValue, Blob = [], MaybeBlob = [0, 255] });

        Assert.Equal(id, got.Id);
        Assert.Equal(decimal.MinValue, got.Amount);
        Assert.Empty(got.Blob);
        Assert.Equal([0, 255], got.MaybeBlob);
    }

    private static Strict Sample() => new(
        Guid.NewGuid(), 2.5m, [1], null, "n", null, Shade.Red, Access.None, 1f, new Part("p", 1), null, [], [], null);

    private static Strict RoundTrip(Strict message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Descriptor.Of<Strict>().Serialize(buffer, message);
        return Read(buffer.WrittenSpan.ToArray());
    }
}
