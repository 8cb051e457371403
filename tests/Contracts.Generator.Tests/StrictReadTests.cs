using System.Linq;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>
/// What a generated reader refuses (docs/architecture.md, "Wire format"): an enum number the enum does not define, nil in
/// a member declared not nullable. The checks are compiled into the formatter, so they are tested on the generated code.
/// </summary>
public sealed class StrictReadTests
{
    public static TheoryData<string, string, string> Enums => new()
    {
        { "contiguous from zero", "public enum E { A, B, C }", "return value is >= 0 and <= 2 ? (global::T.E)value" },
        { "sparse, negative", "public enum E { Neg = -5, Zero = 0, Pos = 7 }", "return value is -5 or 0 or 7 ? (global::T.E)value" },
        { "runs, unsigned", "public enum E : byte { A = 0, B = 1, C = 2, D = 10 }", "return value is (<= 2) or 10 ? (global::T.E)value" },
        { "run at the top", "public enum E { A = 5, Below = int.MaxValue - 1, Max = int.MaxValue }", "return value is 5 or (>= 2147483646) ? (global::T.E)value" },
        { "aliases", "public enum E : ushort { A = 1, First = 1, B = 2 }", "return value is >= 1 and <= 2 ? (global::T.E)value" },
        { "uint beyond int", "public enum E : uint { A = 4000000000 }", "return value is 4000000000 ? (global::T.E)value" },
        { "flags", "[Flags] public enum E { None = 0, A = 1, B = 2, C = 4 }", "return (value & ~7) == 0 ? (global::T.E)value" },
        { "flags, ulong top bit", "[Flags] public enum E : ulong { A = 1, Top = 1UL << 63 }", "return (value & ~9223372036854775809UL) == 0 ? (global::T.E)value" },
        { "flags, sign bit", "[Flags] public enum E : sbyte { A = 1, Sign = -128 }", "return (value & ~(-127)) == 0 ? (global::T.E)value" },
        { "flags, every bit", "[Flags] public enum E : byte { All = 255 }", "=> (global::T.E)reader.ReadByte();" },
        { "every byte defined", "public enum E : byte { " + string.Join(", ", Enumerable.Range(0, 256).Select(i => $"V{i} = {i}")) + " }", "=> (global::T.E)reader.ReadByte();" },
        { "no members", "public enum E { }", "=> (global::T.E)reader.ReadInt32();" },
    };

    [Theory]
    [MemberData(nameof(Enums))]
    public void An_enum_formatter_holds_the_number_against_the_defined_values(string scenario, string declaration, string expected)
    {
        // Run also asserts that the output compiles without a warning: no pattern that always or never matches.
        GeneratorRun run = GeneratorHarness.Run($$"""
            using System;
            using System.Collections.Generic;
            using Contracts;

            namespace T;

            {{declaration}}

            [Event]
            public partial record Painted(E Value, E? Maybe, IReadOnlyList<E> Many);
            """);

        string source = run.Source("Contracts.T.Painted.g.cs");
        Assert.True(source.Contains(expected, System.StringComparison.Ordinal), $"{scenario}:\n{source}");
        Assert.Contains("case 0: __Value = __ContractsFormatter_T_E.Instance.Deserialize(ref reader, options); break;", source);
        Assert.Contains("new global::Contracts.Serialization.ReadOnlyListFormatter<global::T.E>(__ContractsFormatter_T_E.Instance)", source);
    }

    [Fact]
    public void A_member_declared_not_nullable_refuses_nil_and_one_in_a_disabled_context_does_not()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using System.Collections.Generic;
            using Contracts;

            namespace T;

            public sealed record Part(string Name);

            [Event]
            public partial record Strict(string Text, string? MaybeText, byte[] Bytes, List<int> Ints, List<int>? MaybeInts, Part Part, Part? MaybePart);

            #nullable disable
            [Event]
            public partial record Oblivious(string Text, Part Part);
            #nullable restore
            """);

        string strict = run.Source("Contracts.T.Strict.g.cs");
        Assert.Contains("case 0: __Text = reader.ReadString() ?? throw global::Contracts.Serialization.WireFormat.NilMember(\"T.Strict\", \"Text\"); break;", strict);
        Assert.Contains("case 1: __MaybeText = reader.ReadString(); break;", strict);
        Assert.Contains("case 2: __Bytes = global::Contracts.Serialization.WireFormat.ReadByteArray(ref reader) ?? throw global::Contracts.Serialization.WireFormat.NilMember(\"T.Strict\", \"Bytes\"); break;", strict);
        Assert.Contains("case 3: __Ints = __IntsFormatter.Deserialize(ref reader, options) ?? throw global::Contracts.Serialization.WireFormat.NilMember(\"T.Strict\", \"Ints\"); break;", strict);
        Assert.Contains("case 4: __MaybeInts = __MaybeIntsFormatter.Deserialize(ref reader, options); break;", strict);
        Assert.Contains("case 5: __Part = __ContractsFormatter_T_Part.Instance.Deserialize(ref reader, options) ?? throw global::Contracts.Serialization.WireFormat.NilMember(\"T.Strict\", \"Part\"); break;", strict);
        Assert.Contains("case 6: __MaybePart = __ContractsFormatter_T_Part.Instance.Deserialize(ref reader, options); break;", strict);
        Assert.Contains("case 0: __Name = reader.ReadString() ?? throw global::Contracts.Serialization.WireFormat.NilMember(\"T.Part\", \"Name\"); break;", strict);

        string oblivious = run.Source("Contracts.T.Oblivious.g.cs");
        Assert.Contains("case 0: __Text = reader.ReadString(); break;", oblivious);
        Assert.Contains("case 1: __Part = __ContractsFormatter_T_Part.Instance.Deserialize(ref reader, options); break;", oblivious);
    }

    private const string ProbeSource = """
        using System;
        using System.Buffers;
        using Contracts;
        using MessagePack;

        namespace Probe;

        public enum Sparse : short { Neg = -5, Zero = 0, Pos = 7 }
        [Flags] public enum Perms : byte { None = 0, Read = 1, Write = 2, Run = 8 }
        public enum Wide : ulong { One = 1, Top = ulong.MaxValue }

        [Event] public partial record Holder(Sparse Sparse, Perms Perms, Wide Wide);

        public static class Check
        {
            /// <summary>Every number near the defined ones: accepted exactly when defined (or a combination of flags), and read back unchanged.</summary>
            public static string Enums()
            {
                for (long n = -300; n <= 300; n++)
                {
                    bool sparse = n is -5 or 0 or 7;
                    string? wrong = Try(n, 0, sparse, v => (long)v.Sparse == n) ?? Try(n, 1, n is >= 0 and <= 255 && (n & ~11) == 0, v => (long)v.Perms == n)
                        ?? Try(n, 2, n == 1, v => (ulong)v.Wide == (ulong)n);
                    if (wrong is not null) return wrong;
                }

                return Try(ulong.MaxValue, 2, true, v => v.Wide == Wide.Top) ?? Try(ulong.MaxValue - 1, 2, false, v => true) ?? "ok";
            }

            private static string? Try(long number, int index, bool defined, Func<Holder, bool> same) =>
                number < 0 ? Try((ref MessagePackWriter w) => w.Write(number), number.ToString(), index, defined, same) : Try((ulong)number, index, defined, same);

            private static string? Try(ulong number, int index, bool defined, Func<Holder, bool> same) => Try((ref MessagePackWriter w) => w.Write(number), number.ToString(), index, defined, same);

            private static string? Try(WriteNumber write, string number, int index, bool defined, Func<Holder, bool> same)
            {
                var buffer = new ArrayBufferWriter<byte>();
                var writer = new MessagePackWriter(buffer);
                writer.WriteArrayHeader(3);
                for (int i = 0; i < 3; i++)
                {
                    if (i == index) write(ref writer);
                    else writer.Write(i == 2 ? 1 : 0);
                }

                writer.Flush();
                try
                {
                    Holder read = Read<Holder>(buffer.WrittenMemory);
                    return !defined ? $"member {index}: {number} was accepted" : same(read) ? null : $"member {index}: {number} changed";
                }
                catch (MessagePackSerializationException ex)
                {
                    // A number too wide for the enum's underlying type is refused by MessagePack itself (an overflow).
                    return defined ? $"member {index}: {number} was refused: {ex.Message}"
                        : ex.Message.Contains($"{number} is not a defined value of 'Probe.") || ex.InnerException is OverflowException ? null : $"member {index}: {ex.Message}";
                }
            }

            public delegate void WriteNumber(ref MessagePackWriter writer);

            private static T Read<T>(ReadOnlyMemory<byte> payload) where T : class, IContract<T> => T.Contract.DeserializeTyped(payload);
        }
        """;

    [Fact]
    public void An_enum_reads_every_defined_value_and_refuses_every_other_number()
    {
        Assert.Equal("ok", GeneratorHarness.InvokeProbe("Probe.Enums", ProbeSource, "Probe.Check", "Enums"));
    }
}
