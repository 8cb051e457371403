using System;
using System.Buffers;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using MessagePack;

namespace Contracts.Runtime.Tests;

// These contracts cover every supported member type on purpose, the mutable collections (CTR010) included.
#pragma warning disable CTR010

public enum ByteEnum : byte { None = 0, Max = 255 }

public enum SignedEnum { Negative = -5, Zero = 0, Positive = 7 }

public enum LongEnum : long { Min = long.MinValue, Max = long.MaxValue }

public enum ULongEnum : ulong { Zero = 0, Max = ulong.MaxValue }

public sealed record Part(string Name, int Quantity);

public sealed class Label
{
    public string? Text { get; init; }

    public int Weight { get; set; }
}

[Event]
public partial record FormatterEverything(
    bool Bool, byte Byte, sbyte SByte, short Int16, ushort UInt16, int Int32, uint UInt32, long Int64, ulong UInt64,
    float Single, double Double, char Char, string String, string? NullString, string Empty,
    Guid Guid, DateTime Utc, DateTime Local, DateTime Unspecified, DateTimeOffset Offset, TimeSpan TimeSpan, DateOnly DateOnly, TimeOnly TimeOnly,
    decimal Decimal, decimal BigDecimal, ByteEnum ByteEnum, SignedEnum SignedEnum, LongEnum LongEnum, ULongEnum ULongEnum,
    byte[] Bytes, byte[]? NullBytes, int? NullableSet, int? NullableNull, Guid? NullableGuid, decimal? NullableDecimal, SignedEnum? NullableEnum, DateTimeOffset? NullableOffset,
    int[] Ints, Guid[] Guids, List<string> Strings, IReadOnlyList<Part> Parts, ImmutableArray<decimal> Immutable, ImmutableArray<int> DefaultImmutable,
    Dictionary<string, int> Counts, IReadOnlyDictionary<Guid, Part> PartsById, List<int>? NullList, Part Nested, Part? NullNested, Label Label);

[Event] public partial record FormatterGuidOnly(Guid Value);

[Event] public partial record FormatterDecimalOnly(decimal Value);

[Event] public partial record FormatterNest(IReadOnlyList<Part> Parts);

[Event(Name = "tests.formatter.evolving", Version = 1)]
public partial record EvolvingV1(int Id, string Name);

[Event(Name = "tests.formatter.evolving", Version = 2)]
public partial record EvolvingV2(int Id, string Name, string Extra = "extra-default", int Count = 42, decimal Rate = 1.25m, SignedEnum Kind = SignedEnum.Positive, List<string>? Tags = null);

[Event(Name = "tests.formatter.initialized", Version = 1)]
public partial record InitializedV1(int Id);

[Event(Name = "tests.formatter.initialized", Version = 2)]
public partial record InitializedV2(int Id)
{
    public string Note { get; init; } = "note-default";

    public int Priority { get; init; } = 3;
}

public sealed class FormatterTests
{
    private static byte[] Write<T>(T message)
        where T : class, IContract<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        T.Contract.Serialize(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    private static T RoundTrip<T>(T message)
        where T : class, IContract<T> => T.Contract.DeserializeTyped(Write(message));

    internal static FormatterEverything Sample() => new(
        Bool: true, Byte: 255, SByte: -128, Int16: short.MinValue, UInt16: ushort.MaxValue, Int32: int.MinValue, UInt32: uint.MaxValue,
        Int64: long.MinValue, UInt64: ulong.MaxValue, Single: 3.25f, Double: -1.0e300, Char: 'é', String: "héllo | wörld ✓", NullString: null, Empty: "",
        Guid: Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        Utc: new DateTime(2024, 2, 29, 23, 59, 59, 999, DateTimeKind.Utc).AddTicks(1234),
        Local: new DateTime(2021, 7, 1, 12, 0, 0, DateTimeKind.Local),
        Unspecified: new DateTime(1999, 12, 31, 1, 2, 3, DateTimeKind.Unspecified),
        Offset: new DateTimeOffset(2025, 3, 30, 2, 30, 0, TimeSpan.FromMinutes(-330)).AddTicks(7),
        TimeSpan: TimeSpan.FromTicks(-123_456_789_012),
        DateOnly: new DateOnly(1, 1, 1), TimeOnly: new TimeOnly(23, 59, 59, 999).Add(TimeSpan.FromTicks(9)),
        Decimal: 1.50m, BigDecimal: decimal.MinValue,
        ByteEnum: ByteEnum.Max, SignedEnum: SignedEnum.Negative, LongEnum: LongEnum.Min, ULongEnum: ULongEnum.Max,
        Bytes: [0, 1, 2, 254, 255], NullBytes: null, NullableSet: -17, NullableNull: null, NullableGuid: Guid.Empty,
        NullableDecimal: 0.000m, NullableEnum: SignedEnum.Negative, NullableOffset: null,
        Ints: [int.MaxValue, 0, -1], Guids: [Guid.Empty, Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff")],
        Strings: ["a", "", "c"], Parts: [new Part("bolt", 3), new Part("nut", 0)],
        Immutable: [1.0m, 2.50m], DefaultImmutable: default,
        Counts: new Dictionary<string, int> { ["one"] = 1, ["minus"] = -1 },
        PartsById: new Dictionary<Guid, Part> { [Guid.Parse("11111111-2222-3333-4444-555555555555")] = new Part("gear", 9) },
        NullList: null, Nested: new Part("inner", 1), NullNested: null, Label: new Label { Text = "fragile", Weight = 12 });

    [Fact]
    public void Every_supported_member_type_round_trips()
    {
        FormatterEverything sent = Sample();

        FormatterEverything got = RoundTrip(sent);

        Assert.Equal(sent.Bool, got.Bool);
        Assert.Equal(sent.Byte, got.Byte);
        Assert.Equal(sent.SByte, got.SByte);
        Assert.Equal(sent.Int16, got.Int16);
        Assert.Equal(sent.UInt16, got.UInt16);
        Assert.Equal(sent.Int32, got.Int32);
        Assert.Equal(sent.UInt32, got.UInt32);
        Assert.Equal(sent.Int64, got.Int64);
        Assert.Equal(sent.UInt64, got.UInt64);
        Assert.Equal(sent.Single, got.Single);
        Assert.Equal(sent.Double, got.Double);
        Assert.Equal(sent.Char, got.Char);
        Assert.Equal(sent.String, got.String);
        Assert.Null(got.NullString);
        Assert.Equal("", got.Empty);
        Assert.Equal(sent.Guid, got.Guid);

        Assert.Equal(sent.Utc, got.Utc);
        Assert.Equal(DateTimeKind.Utc, got.Utc.Kind);
        Assert.Equal(sent.Local, got.Local);
        Assert.Equal(DateTimeKind.Local, got.Local.Kind);
        Assert.Equal(sent.Unspecified, got.Unspecified);
        Assert.Equal(DateTimeKind.Unspecified, got.Unspecified.Kind);
        Assert.Equal(sent.Offset, got.Offset);
        Assert.Equal(sent.Offset.Ticks, got.Offset.Ticks);
        Assert.Equal(TimeSpan.FromMinutes(-330), got.Offset.Offset);
        Assert.Equal(sent.TimeSpan, got.TimeSpan);
        Assert.Equal(sent.DateOnly, got.DateOnly);
        Assert.Equal(sent.TimeOnly, got.TimeOnly);

        Assert.Equal("1.50", got.Decimal.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(decimal.MinValue, got.BigDecimal);
        Assert.Equal(ByteEnum.Max, got.ByteEnum);
        Assert.Equal(SignedEnum.Negative, got.SignedEnum);
        Assert.Equal(LongEnum.Min, got.LongEnum);
        Assert.Equal(ULongEnum.Max, got.ULongEnum);

        Assert.Equal(sent.Bytes, got.Bytes);
        Assert.Null(got.NullBytes);
        Assert.Equal(-17, got.NullableSet);
        Assert.Null(got.NullableNull);
        Assert.Equal(Guid.Empty, got.NullableGuid);
        Assert.Equal("0.000", got.NullableDecimal?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(SignedEnum.Negative, got.NullableEnum);
        Assert.Null(got.NullableOffset);

        Assert.Equal(sent.Ints, got.Ints);
        Assert.Equal(sent.Guids, got.Guids);
        Assert.Equal(sent.Strings, got.Strings);
        Assert.IsType<List<string>>(got.Strings);
        Assert.Equal(sent.Parts, got.Parts);
        Assert.Equal(["1.0", "2.50"], [.. got.Immutable.Select(d => d.ToString(CultureInfo.InvariantCulture))]);
        Assert.True(got.DefaultImmutable.IsDefault);
        Assert.Equal(sent.Counts, got.Counts);
        Assert.Equal(sent.PartsById, got.PartsById);
        Assert.Null(got.NullList);
        Assert.Equal(new Part("inner", 1), got.Nested);
        Assert.Null(got.NullNested);
        Assert.Equal("fragile", got.Label.Text);
        Assert.Equal(12, got.Label.Weight);
    }

    [Fact]
    public void An_empty_ImmutableArray_stays_empty_and_not_default()
    {
        FormatterEverything sent = Sample() with { Immutable = [], DefaultImmutable = ImmutableArray<int>.Empty };

        FormatterEverything got = RoundTrip(sent);

        Assert.False(got.DefaultImmutable.IsDefault);
        Assert.Empty(got.DefaultImmutable);
        Assert.Empty(got.Immutable);
    }

    [Fact]
    public void A_Guid_and_a_decimal_take_18_bytes()
    {
        // One byte of array header, then bin8 header (2 bytes) and 16 bytes of value.
        Assert.Equal(1 + 18, Write(new FormatterGuidOnly(Guid.NewGuid())).Length);
        Assert.Equal(1 + 18, Write(new FormatterDecimalOnly(decimal.MaxValue)).Length);
        Assert.Equal(1 + 18, Write(new FormatterDecimalOnly(0m)).Length);

        byte[] guid = Write(new FormatterGuidOnly(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff")));
        Assert.Equal([0x91, 0xc4, 16, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff], guid);
    }

    [Fact]
    public void An_old_reader_skips_members_a_newer_writer_added()
    {
        var v2 = new EvolvingV2(7, "seven", "more", 3, 9.99m, SignedEnum.Negative, ["x", "y"]);

        byte[] bytes = Write(v2);
        EvolvingV1 v1 = EvolvingV1.Read(bytes);

        Assert.Equal(new EvolvingV1(7, "seven"), v1);
    }

    [Fact]
    public void A_new_reader_gives_missing_members_their_constructor_defaults()
    {
        byte[] bytes = Write(new EvolvingV1(7, "seven"));

        EvolvingV2 v2 = EvolvingV2.Read(bytes);

        Assert.Equal(7, v2.Id);
        Assert.Equal("seven", v2.Name);
        Assert.Equal("extra-default", v2.Extra);
        Assert.Equal(42, v2.Count);
        Assert.Equal(1.25m, v2.Rate);
        Assert.Equal(SignedEnum.Positive, v2.Kind);
        Assert.Null(v2.Tags);
    }

    [Fact]
    public void Members_set_in_the_body_round_trip()
    {
        InitializedV2 got = RoundTrip(new InitializedV2(1) { Note = "set", Priority = 9 });

        Assert.Equal(new InitializedV2(1) { Note = "set", Priority = 9 }, got);
    }

    [Fact]
    public void A_new_reader_keeps_property_initializers_for_members_an_old_writer_did_not_send()
    {
        InitializedV2 got = Descriptor.Of<InitializedV2>().DeserializeTyped(Write(new InitializedV1(1)));

        Assert.Equal("note-default", got.Note);
        Assert.Equal(3, got.Priority);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "empty", [] },
        { "nil", [0xc0] },
        { "not an array", [0xa3, (byte)'a', (byte)'b', (byte)'c'] },
        { "truncated array", [0x93, 0x01] },
        { "wrong member type", [0x92, 0xa1, (byte)'x', 0xa1, (byte)'y'] },
        { "truncated string", [0x92, 0x01, 0xd9, 0x10, (byte)'a'] },
        { "int too large", [0x92, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa1, (byte)'n'] },
        { "trailing bytes", [0x92, 0x01, 0xa1, (byte)'n', 0x00] },
        { "reserved code", [0xc1] },
        { "array header claims 2^31", [0xdd, 0x80, 0x00, 0x00, 0x00] },
        { "array header claims 2^31-1", [0xdd, 0x7f, 0xff, 0xff, 0xff] },
        { "map header claims 2^32-1", [0x92, 0x01, 0xdf, 0xff, 0xff, 0xff, 0xff] },
        { "skipped extra member truncated", [0x93, 0x01, 0xa1, (byte)'n', 0xdb, 0x00, 0x00, 0x10, 0x00] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_bytes_raise_MessagePackSerializationException_quickly(string why, byte[] bytes)
    {
        _ = why;
        Task read = Task.Run(() => Assert.Throws<MessagePackSerializationException>(() => EvolvingV1.Read(bytes)));

        await read.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_bad_Guid_or_decimal_raises_MessagePackSerializationException()
    {
        Assert.Throws<MessagePackSerializationException>(() => Read<FormatterGuidOnly>([0x91, 0xc4, 15, .. new byte[15]]));
        Assert.Throws<MessagePackSerializationException>(() => Read<FormatterGuidOnly>([0x91, 0xa2, (byte)'h', (byte)'i']));
        Assert.Throws<MessagePackSerializationException>(() => Read<FormatterDecimalOnly>([0x91, 0xc4, 16, .. new byte[12], 0x00, 0x00, 0xff, 0x00]));
        Assert.Throws<MessagePackSerializationException>(() => Read<FormatterDecimalOnly>([0x91, 0xc4, 16, .. new byte[12], 0x00, 0x00, 0x00, 0x01]));
    }

    [Fact]
    public void Hostile_collection_headers_and_values_inside_a_contract_fail_with_MessagePackSerializationException()
    {
        byte[] valid = Write(Sample());

        // Corrupt every byte in turn: whatever the reader meets, it reports bad bytes in one exception type.
        for (int i = 0; i < valid.Length; i++)
        {
            foreach (byte replacement in (byte[])[0xc1, 0xdd, 0xdf, 0xff, 0x00, 0xc0])
            {
                byte[] bytes = (byte[])valid.Clone();
                bytes[i] = replacement;
                try
                {
                    FormatterEverything.Read(bytes);
                }
                catch (MessagePackSerializationException)
                {
                }
                catch (Exception ex)
                {
                    Assert.Fail($"Byte {i} set to 0x{replacement:x2} raised {ex.GetType().Name}: {ex.Message}");
                }
            }
        }
    }

    [Fact]
    public void Deeply_nested_known_members_are_refused_by_the_depth_limit()
    {
        // Parts is a list of Part records: 10,000 nested arrays where a Part belongs hit the untrusted-data depth limit.
        byte[] valid = Write(new FormatterNest([new Part("a", 1)]));
        byte[] bytes = [0x91, 0x91, .. Enumerable.Repeat((byte)0x91, 10_000), 0x01];

        Assert.Equal(new Part("a", 1), Descriptor.Of<FormatterNest>().DeserializeTyped(valid).Parts[0]);
        Assert.Throws<MessagePackSerializationException>(() => Descriptor.Of<FormatterNest>().DeserializeTyped(bytes));
    }

    [Fact]
    public void WireFormat_Skip_refuses_deep_nesting_and_skips_ordinary_values()
    {
        byte[] deep = [.. Enumerable.Repeat((byte)0x91, 100_000), 0x01];
        // The depth limit is Contracts' own (WireFormat.MaxDepth), not a stack overflow.
        Assert.Throws<MessagePackSerializationException>(() =>
        {
            var reader = new MessagePackReader(deep);
            Serialization.WireFormat.Skip(ref reader);
        });

        // [1, {"a": [2, 3]}, "x"] then 0x07: Skip passes over the whole array and leaves the reader on 0x07.
        byte[] ordinary = [0x93, 0x01, 0x81, 0xa1, (byte)'a', 0x92, 0x02, 0x03, 0xa1, (byte)'x', 0x07];
        var ok = new MessagePackReader(ordinary);
        Serialization.WireFormat.Skip(ref ok);
        Assert.Equal(7, ok.ReadInt32());
        Assert.True(ok.End);
        Assert.Equal(0, ok.Depth);
    }

    [Fact]
    public void Deeply_nested_unknown_members_are_refused_by_the_depth_limit()
    {
        // An extra trailing member (as from a newer writer) that opens 10,000 arrays.
        byte[] bytes = [0x93, 0x01, 0xa1, (byte)'n', .. Enumerable.Repeat((byte)0x91, 10_000), 0x01];

        Assert.Throws<MessagePackSerializationException>(() => EvolvingV1.Read(bytes));
    }

    private static T Read<T>(byte[] bytes)
        where T : class, IContract<T> => T.Contract.DeserializeTyped(bytes);
}

public partial record EvolvingV1
{
    internal static EvolvingV1 Read(byte[] bytes) => Descriptor.Of<EvolvingV1>().DeserializeTyped(bytes);
}

public partial record EvolvingV2
{
    internal static EvolvingV2 Read(byte[] bytes) => Descriptor.Of<EvolvingV2>().DeserializeTyped(bytes);
}

public partial record FormatterEverything
{
    internal static FormatterEverything Read(byte[] bytes) => Descriptor.Of<FormatterEverything>().DeserializeTyped(bytes);
}
