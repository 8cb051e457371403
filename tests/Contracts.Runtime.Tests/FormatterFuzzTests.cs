using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using MessagePack;

namespace Contracts.Runtime.Tests;

/// <summary>
/// Mutated payloads fed to the generated formatters, with a fixed seed and a bounded count so it runs in CI: whatever
/// the bytes, a read either gives a message that writes again, or fails with <see cref="MessagePackSerializationException"/>
/// (what the runtime dead-letters as unreadable), without hanging, and without allocating what a length header claims.
/// </summary>
public sealed class FormatterFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20_240_613;
    private const int Cases = 24_000;

    /// <summary>What one read may allocate: the message it builds, or an exception with its message and stack trace.</summary>
    private const long AllocationBound = 256 * 1024;

    private static readonly (ContractDescriptor Contract, byte[] Payload)[] s_corpus =
    [
        Valid(FormatterTests.Sample()),
        Valid(new Strict(Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"), 9.99m, [1, 2, 3], [4], "name", "maybe", Shade.Blue, Access.Read | Access.Run, 0.25f,
            new Part("bolt", 2), new Part("nut", 3), [Shade.Red, Shade.Green], [1f, float.NaN], Shade.Green)),
        Valid(new EvolvingV2(7, "seven", "more", 3, 9.99m, SignedEnum.Negative, ["x", "y"])),
        Valid(new FormatterNest([new Part("a", 1), new Part("b", 2)])),
    ];

    // Headers that claim far more than any payload holds: array32, map32, str32, bin32, ext32, each with 2^32-1.
    private static readonly byte[][] s_hugeHeaders =
    [
        [0xdd, 0xff, 0xff, 0xff, 0xff], [0xdf, 0xff, 0xff, 0xff, 0xff], [0xdb, 0xff, 0xff, 0xff, 0xff],
        [0xc6, 0xff, 0xff, 0xff, 0xff], [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01], [0xdc, 0xff, 0xff], [0xde, 0xff, 0xff],
        [0xda, 0xff, 0xff], [0xc5, 0xff, 0xff], [0xdd, 0x7f, 0xff, 0xff, 0xff], [0xc6, 0x7f, 0xff, 0xff, 0xff],
    ];

    [Fact]
    public async Task Mutated_payloads_are_read_or_refused_cleanly_and_cheaply()
    {
        // A thread of its own with a bound: a hang fails the test instead of stalling the run.
        Dictionary<string, int> outcomes = await Task.Run(Run).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        output.WriteLine($"fuzz: seed {Seed}, {Cases} cases over {s_corpus.Length} contracts");
        foreach ((string outcome, int count) in outcomes.OrderByDescending(o => o.Value))
        {
            output.WriteLine($"  {count,6}  {outcome}");
        }

        Assert.Equal(Cases, outcomes.Values.Sum());
        Assert.True(outcomes.GetValueOrDefault("decoded") > 0, "no mutation was read: the fuzz tests nothing but headers");
    }

    private Dictionary<string, int> Run()
    {
        var random = new Random(Seed);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        long largest = 0;
        TimeSpan slowest = TimeSpan.Zero;
        for (int n = 0; n < Cases; n++)
        {
            (ContractDescriptor contract, byte[] valid) = s_corpus[n % s_corpus.Length];
            (string mutation, byte[] payload) = Mutate(random, valid);
            long before = GC.GetAllocatedBytesForCurrentThread();
            long started = Stopwatch.GetTimestamp();
            string outcome = Read(contract, payload);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.True(allocated <= AllocationBound, $"case {n} ({mutation}, {payload.Length} bytes) allocated {allocated} bytes: {outcome}");
            Assert.True(elapsed < TimeSpan.FromSeconds(2), $"case {n} ({mutation}) took {elapsed}");
            Assert.False(outcome.StartsWith("FAIL", StringComparison.Ordinal), $"case {n} ({mutation}): {outcome}\n{Convert.ToHexString(payload)}");
            largest = Math.Max(largest, allocated);
            slowest = elapsed > slowest ? elapsed : slowest;
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        output.WriteLine($"fuzz: most allocated by one read {largest} bytes, slowest read {slowest.TotalMilliseconds:F2} ms");
        return outcomes;
    }

    private static string Read(ContractDescriptor contract, byte[] payload)
    {
        object message;
        try
        {
            message = contract.Deserialize(payload);
        }
        catch (MessagePackSerializationException ex)
        {
            // The descriptor wraps what MessagePack's reader throws in its own: EndOfStreamException (truncated),
            // OverflowException (a number too wide for its member), ArgumentOutOfRangeException (a string or binary
            // longer than what is left); the counts are by that inner type, ours when there is none.
            return ex.InnerException is { } inner ? $"refused: {inner.GetType().Name}" : "refused: MessagePackSerializationException";
        }
        catch (Exception ex)
        {
            return $"FAIL: {ex.GetType().Name}: {ex.Message}";
        }

        try
        {
            contract.Serialize(new ArrayBufferWriter<byte>(), message);
            return "decoded";
        }
        catch (Exception ex)
        {
            return $"FAIL: decoded, but does not write again: {ex.GetType().Name}: {ex.Message}";
        }
    }

    private static (string Mutation, byte[] Payload) Mutate(Random random, byte[] valid)
    {
        var bytes = new List<byte>(valid);
        int at = random.Next(bytes.Count);
        switch (random.Next(7))
        {
            case 0:
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    int i = random.Next(bytes.Count);
                    bytes[i] ^= (byte)(1 << random.Next(8));
                }

                return ("bit flips", [.. bytes]);
            case 1:
                bytes.Insert(at, (byte)random.Next(256));
                return ("byte insert", [.. bytes]);
            case 2:
                bytes.RemoveAt(at);
                return ("byte delete", [.. bytes]);
            case 3:
                return ("truncation", [.. bytes.Take(at)]);
            case 4:
                bytes[at] = (byte)random.Next(256);
                return ("byte overwrite", [.. bytes]);
            case 5:
            {
                // A huge length header, in place of the value at a random offset or inserted before it.
                byte[] header = s_hugeHeaders[random.Next(s_hugeHeaders.Length)];
                if (random.Next(2) == 0)
                {
                    bytes.RemoveRange(at, Math.Min(header.Length, bytes.Count - at));
                }

                bytes.InsertRange(at, header);
                return ("huge length", [.. bytes]);
            }

            default:
            {
                // Deep nesting: one-element arrays (or maps) opened where a value belongs.
                int depth = random.Next(2) == 0 ? random.Next(100, 140) : random.Next(1_000, 50_000);
                byte open = random.Next(2) == 0 ? (byte)0x91 : (byte)0x81;
                bytes.InsertRange(at, Enumerable.Repeat(open, depth));
                return ("deep nesting", [.. bytes]);
            }
        }
    }

    private static (ContractDescriptor, byte[]) Valid<T>(T message)
        where T : class, IContract<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        T.Contract.Serialize(buffer, message);
        return (T.Contract, buffer.WrittenSpan.ToArray());
    }
}
