using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>The generated formatters run: what is written reads back, and versions that differ by trailing members interoperate.</summary>
public sealed class RoundTripTests
{
    private const string Source = """
        using System;
        using System.Buffers;
        using System.Collections.Generic;
        using System.Collections.Immutable;
        using Contracts;

        namespace Trip;

        public enum Small : byte { A = 1, B = 255 }
        public enum Signed : sbyte { Low = -128, High = 127 }
        public enum Huge : ulong { Max = ulong.MaxValue }
        public sealed record Line(string Sku, int Quantity, decimal? Price);
        public record struct Point(double X, double Y);

        [Event]
        public partial record Everything(
            bool Flag, byte B, sbyte SB, short S, ushort US, int I, uint UI, long L, ulong UL, float F, double D, char C,
            string Text, string? Missing, Guid Id, DateTime At, DateTimeOffset AtOffset, TimeSpan Duration, DateOnly Day, TimeOnly Time,
            decimal Amount, Small Small, Signed Signed, Huge Huge, byte[] Bytes, int? MaybeInt, Signed? MaybeSigned, Point? MaybePoint,
            int[] Numbers, List<Line> Lines, IReadOnlyList<string?> Words, ImmutableArray<Guid> Ids, Dictionary<string, int> Counts,
            IReadOnlyDictionary<Small, Line> BySize, Point Point, Line? NoLine)
        {
            public required string Required { get; init; }
            public string? Settable { get; set; }
        }

        [Event(Name = "trip.versioned")]
        public partial record V1(int A, string B);

        [Event(Name = "trip.versioned", Version = 2)]
        public partial record V2(int A, string B, int C = 7, string D = "d")
        {
            public string Note { get; init; } = "none";
            public int Retries { get; set; } = 3;
            public Small Size { get; init; } = Small.B;
            public double? Ratio { get; init; } = 1;
        }

        public static class Probe
        {
            public static Everything Sample() => new(
                true, 200, -100, -30000, 60000, int.MinValue, uint.MaxValue, long.MinValue, ulong.MaxValue, 1.5f, -2.25, 'x',
                "text", null, new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"), new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Utc),
                new DateTimeOffset(2024, 2, 29, 13, 14, 15, TimeSpan.FromHours(5.5)), TimeSpan.FromMilliseconds(-1234), new DateOnly(1999, 12, 31),
                new TimeOnly(23, 59, 59), 79228162514264337593543950335m, Small.B, Signed.Low, Huge.Max, [1, 2, 3], 42, Signed.High, new Point(1, 2),
                [4, 5], [new Line("a", 1, 2.5m), new Line("b", 2, null)], ["x", null], [Guid.Empty], new() { ["k"] = 1 },
                new Dictionary<Small, Line> { [Small.A] = new Line("c", 3, 1m) }, new Point(-1, -2), null)
            {
                Required = "req",
                Settable = "set",
            };

            public static byte[] Write<T>(T message) where T : class, IContract<T>
            {
                var buffer = new ArrayBufferWriter<byte>();
                T.Contract.Serialize(buffer, message);
                return buffer.WrittenSpan.ToArray();
            }

            public static T Read<T>(byte[] payload) where T : class, IContract<T> => T.Contract.DeserializeTyped(payload);

            /// <summary>Writes, reads and writes again: equal bytes mean nothing was lost or changed.</summary>
            public static string RoundTrip()
            {
                Everything sample = Sample();
                byte[] first = Write(sample);
                Everything back = Read<Everything>(first);
                byte[] second = Write(back);
                if (!first.AsSpan().SequenceEqual(second)) return "bytes differ";
                if (back.Required != "req" || back.Settable != "set" || back.Missing is not null || back.NoLine is not null) return "members differ";
                if (back.Huge != Huge.Max || back.Signed != Signed.Low || back.MaybeSigned != Signed.High || back.Small != Small.B) return "enums differ";
                if (back.Amount != sample.Amount || back.AtOffset != sample.AtOffset || back.At != sample.At || back.At.Kind != DateTimeKind.Utc) return "scalars differ";
                if (back.Lines[1] != sample.Lines[1] || back.BySize[Small.A] != sample.BySize[Small.A] || back.Words[1] is not null) return "collections differ";
                return "ok";
            }

            public static string Versions()
            {
                V2 newer = Read<V2>(Write(new V1(1, "b")));
                if (newer != new V2(1, "b", 7, "d") || newer.Note != "none" || newer.Retries != 3 || newer.Size != Small.B || newer.Ratio != 1)
                    return "new reader did not default: " + newer;
                V1 older = Read<V1>(Write(new V2(1, "b", 3, "x")));
                if (older != new V1(1, "b")) return "old reader did not skip: " + older;
                return "ok";
            }

        }
        """;

    [Fact]
    public void GeneratedFormattersRoundTripEverySupportedType()
    {
        Assert.Equal("ok", Invoke("RoundTrip"));
    }

    [Fact]
    public void VersionsThatDifferByTrailingMembersInteroperate()
    {
        Assert.Equal("ok", Invoke("Versions"));
    }

    private static string? Invoke(string method) => GeneratorHarness.InvokeProbe("Trip." + method, Source, "Trip.Probe", method);
}
