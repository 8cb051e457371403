using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>
/// A query's result gets a formatter when the member rules can serialize its type, so a reply can travel on a broker;
/// a result they cannot serialize leaves the query generated, without one.
/// </summary>
public sealed class QueryResultTests
{
    private const string Types = """
        using System;
        using System.Collections.Generic;
        using Contracts;

        namespace Shop;

        public sealed record OrderLine(string Sku, int Quantity);
        public sealed record OrderView(Guid OrderId, string Customer, List<OrderLine> Lines);
        public delegate int Compute(int x);
        """;

    public static TheoryData<string, string, string> Serializable => new()
    {
        { "record", "OrderView", "new global::Contracts.QueryResultFormatter<global::Shop.OrderView>(__ContractsFormatter_Shop_OrderView.Instance)" },
        { "nullable record", "OrderView?", "new global::Contracts.QueryResultFormatter<global::Shop.OrderView>(__ContractsFormatter_Shop_OrderView.Instance)" },
        {
            "list of records", "List<OrderLine>",
            "new global::Contracts.QueryResultFormatter<global::System.Collections.Generic.List<global::Shop.OrderLine>>(new global::Contracts.Serialization.ListFormatter<global::Shop.OrderLine>(__ContractsFormatter_Shop_OrderLine.Instance))"
        },
        { "int", "int", "new global::Contracts.QueryResultFormatter<int>(global::MessagePack.Formatters.Int32Formatter.Instance)" },
        { "nullable int", "int?", "new global::Contracts.QueryResultFormatter<int?>(new global::Contracts.Serialization.NullableFormatter<int>(global::MessagePack.Formatters.Int32Formatter.Instance))" },
        { "string", "string", "new global::Contracts.QueryResultFormatter<string>(global::MessagePack.Formatters.NullableStringFormatter.Instance)" },
        { "nullable string", "string?", "new global::Contracts.QueryResultFormatter<string>(global::MessagePack.Formatters.NullableStringFormatter.Instance)" },
        { "byte array", "byte[]", "new global::Contracts.QueryResultFormatter<byte[]>(global::Contracts.Serialization.ByteArrayFormatter.Instance)" },
        { "guid", "Guid", "new global::Contracts.QueryResultFormatter<global::System.Guid>(global::Contracts.Serialization.GuidFormatter.Instance)" },
        {
            "dictionary", "IReadOnlyDictionary<string, OrderView?>",
            "new global::Contracts.QueryResultFormatter<global::System.Collections.Generic.IReadOnlyDictionary<string, global::Shop.OrderView>>(new global::Contracts.Serialization.ReadOnlyDictionaryFormatter<string, global::Shop.OrderView>(global::MessagePack.Formatters.NullableStringFormatter.Instance, __ContractsFormatter_Shop_OrderView.Instance))"
        },
    };

    public static TheoryData<string, string> Unserializable => new()
    {
        { "interface", "IDisposable" },
        { "delegate", "Compute" },
        { "framework delegate", "Func<int>" },
        { "object", "object" },
        { "list of interfaces", "List<IDisposable>" },
        { "multi-dimensional array", "int[,]" },
    };

    [Theory]
    [MemberData(nameof(Serializable))]
    public void SerializableResultGetsAFormatter(string scenario, string result, string expected)
    {
        GeneratorRun run = GeneratorHarness.Run(Types, $$"""
            using System;
            using System.Collections.Generic;
            using Contracts;

            namespace Shop;

            [Query]
            public partial record GetIt(Guid OrderId) : IQuery<{{result}}>;
            """);

        string source = run.Source("Contracts.Shop.GetIt.g.cs");
        Assert.True(source.Contains($"resultFormatter: {expected});", System.StringComparison.Ordinal), $"{scenario}:\n{source}");
    }

    [Theory]
    [MemberData(nameof(Unserializable))]
    public void UnserializableResultLeavesTheQueryWithoutAFormatter(string scenario, string result)
    {
        // Run asserts that the generator reports nothing and that the output compiles without warnings.
        GeneratorRun run = GeneratorHarness.Run(Types, $$"""
            using System;
            using System.Collections.Generic;
            using Contracts;

            namespace Shop;

            [Query]
            public partial record GetIt(Guid OrderId) : IQuery<{{result}}>;
            """);

        string source = run.Source("Contracts.Shop.GetIt.g.cs");
        Assert.True(source.Contains("global::Contracts.MessageKind.Query, __ContractsFormatter.Instance, resultTypeName: ", System.StringComparison.Ordinal), $"{scenario}:\n{source}");
        Assert.DoesNotContain("resultFormatter", source);
        Assert.Contains("global::Shop.GetIt", run.Source("ContractsModule.g.cs"));
    }

    [Fact]
    public void CommandsAndEventsHaveNoResultFormatter()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using Contracts;

            namespace Shop;

            [Command] public partial record Ping(int X);
            [Event] public partial record Pinged(int X);
            """);

        Assert.DoesNotContain("resultFormatter", run.Source("Contracts.Shop.Ping.g.cs"));
        Assert.DoesNotContain("resultFormatter", run.Source("Contracts.Shop.Pinged.g.cs"));
    }

    [Fact]
    public void ResultTypeSharesTheNestedFormatterOfAMemberOfTheSameType()
    {
        GeneratorRun run = GeneratorHarness.Run(Types, """
            using Contracts;

            namespace Shop;

            [Query]
            public partial record Reprice(OrderLine Line) : IQuery<OrderLine>;
            """);

        string source = run.Source("Contracts.Shop.Reprice.g.cs");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(source, "class __ContractsFormatter_Shop_OrderLine "));
        Assert.Contains("resultFormatter: new global::Contracts.QueryResultFormatter<global::Shop.OrderLine>(__ContractsFormatter_Shop_OrderLine.Instance));", source);
    }

    private const string Probe = """
        using System;
        using System.Buffers;
        using System.Collections.Generic;
        using System.Linq;
        using Contracts;
        using MessagePack;

        namespace Results;

        public enum Status : byte { Placed = 1, Paid = 2 }
        public sealed record Line(string Sku, int Quantity);
        public sealed record OrderView(Guid OrderId, string Customer, List<Line> Lines, Status Status, decimal? Total);
        public record struct Point(int X, int Y);

        [Query] public partial record GetOrder(Guid OrderId) : IQuery<OrderView>;
        [Query] public partial record FindOrder(Guid OrderId) : IQuery<OrderView?>;
        [Query] public partial record ListLines(Guid OrderId) : IQuery<IReadOnlyList<Line>>;
        [Query] public partial record CountOrders(string Customer) : IQuery<int>;
        [Query] public partial record MaybeCount(string Customer) : IQuery<int?>;
        [Query] public partial record GetName(int Id) : IQuery<string>;
        [Query] public partial record FindName(int Id) : IQuery<string?>;
        [Query] public partial record GetTotals(int Id) : IQuery<Dictionary<string, decimal>>;
        [Query] public partial record FindPoint(int Id) : IQuery<Point?>;
        [Query] public partial record GetStatus(int Id) : IQuery<Status>;
        [Query] public partial record GetBlob(int Id) : IQuery<byte[]?>;
        [Query] public partial record Open(int Id) : IQuery<IDisposable>;
        [Command] public partial record Ping(int X);

        public static class Probe
        {
            private static ContractDescriptor<T> Descriptor<T>() where T : class, IContract<T> => T.Contract;

            private static QueryResultFormatter Of<T>() where T : class, IContract<T> =>
                T.Contract.ResultFormatter ?? throw new InvalidOperationException(typeof(T).Name + " has no result formatter");

            private static byte[] Write<T>(object? result) where T : class, IContract<T>
            {
                var buffer = new ArrayBufferWriter<byte>();
                Of<T>().Serialize(buffer, result);
                return buffer.WrittenSpan.ToArray();
            }

            private static object? Trip<T>(object? result) where T : class, IContract<T> => Of<T>().Deserialize(Write<T>(result));

            public static string RoundTrip()
            {
                var view = new OrderView(Guid.NewGuid(), "ada", [new Line("a", 1), new Line("b", 2)], Status.Paid, 12.5m);
                var back = (OrderView)Trip<GetOrder>(view)!;
                if (back.OrderId != view.OrderId || back.Customer != "ada" || !back.Lines.SequenceEqual(view.Lines) || back.Status != Status.Paid || back.Total != 12.5m)
                    return "record differs: " + back;
                if (!Write<GetOrder>(back).AsSpan().SequenceEqual(Write<GetOrder>(view))) return "record bytes differ";
                if (Trip<FindOrder>(view) is not OrderView { Customer: "ada", Lines.Count: 2 }) return "nullable record differs";
                if (Trip<FindOrder>(null) is not null) return "null record did not round-trip";
                if (Trip<ListLines>(new List<Line> { new("x", 3) }) is not IReadOnlyList<Line> lines || !lines.SequenceEqual([new Line("x", 3)])) return "list differs";
                if (Trip<CountOrders>(42) is not 42) return "int differs";
                if (Trip<MaybeCount>(7) is not 7 || Trip<MaybeCount>(null) is not null) return "nullable int differs";
                if (Trip<GetName>("name") is not "name" || Trip<FindName>(null) is not null) return "string differs";
                if (Trip<GetTotals>(new Dictionary<string, decimal> { ["a"] = 1.5m }) is not Dictionary<string, decimal> { Count: 1 } totals || totals["a"] != 1.5m) return "dictionary differs";
                if (Trip<FindPoint>(new Point(1, -2)) is not Point { X: 1, Y: -2 } || Trip<FindPoint>(null) is not null) return "nullable struct differs";
                if (Trip<GetStatus>(Status.Paid) is not Status.Paid) return "enum differs";
                if (Trip<GetBlob>(new byte[] { 1, 2 }) is not byte[] { Length: 2 } || Trip<GetBlob>(null) is not null) return "byte array differs";

                // The typed API, as a transport that knows the result type would call it.
                var typed = (QueryResultFormatter<OrderView>)Of<FindOrder>();
                var buffer = new ArrayBufferWriter<byte>();
                typed.Serialize(buffer, view);
                if (typed.DeserializeTyped(buffer.WrittenMemory) is not { Customer: "ada" }) return "typed API differs";

                if (Of<CountOrders>().ResultType != typeof(int) || Of<MaybeCount>().ResultType != typeof(int?) || Of<FindOrder>().ResultType != typeof(OrderView))
                    return "result types differ";
                if (Descriptor<Open>().ResultFormatter is not null || Descriptor<Open>().ResultTypeName != "System.IDisposable") return "unserializable result has a formatter";
                if (Descriptor<Ping>().ResultFormatter is not null) return "command has a result formatter";
                return "ok";
            }

            public static string BadBytes()
            {
                byte[] view = Write<GetOrder>(new OrderView(Guid.Empty, "ada", [new Line("a", 1)], Status.Placed, null));
                string problems =
                    Rejects<GetOrder>([], "empty") +
                    Rejects<GetOrder>([0xc1], "never-used code") +
                    Rejects<GetOrder>(view[..^1], "truncated") +
                    Rejects<GetOrder>([.. view, 0xc0], "trailing nil") +
                    Rejects<GetOrder>([0x91, 0xa1, (byte)'x'], "string for a Guid") +
                    Rejects<CountOrders>([0xc0], "nil for an int") +
                    Rejects<CountOrders>([0xcd, 0x01], "truncated uint16") +
                    Rejects<CountOrders>([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], "uint64 for an int") +
                    Rejects<CountOrders>([0x01, 0x02], "trailing int") +
                    Rejects<GetName>([0x01], "int for a string") +
                    Rejects<ListLines>([0x9f], "array header without items");
                return problems.Length == 0 ? "ok" : problems;
            }

            private static string Rejects<T>(byte[] payload, string what) where T : class, IContract<T>
            {
                try
                {
                    return $"{what}: read {Of<T>().Deserialize(payload) ?? "null"}; ";
                }
                catch (MessagePackSerializationException)
                {
                    return "";
                }
                catch (Exception ex)
                {
                    return $"{what}: {ex.GetType().Name} instead of MessagePackSerializationException; ";
                }
            }

            public static string Misuse()
            {
                string problems =
                    Throws<ArgumentException>(() => Write<CountOrders>(null), "null for an int") +
                    Throws<ArgumentException>(() => Write<CountOrders>("42"), "string for an int") +
                    Throws<ArgumentException>(() => Write<GetOrder>(new Line("a", 1)), "line for an order") +
                    Throws<ArgumentException>(
                        () => new ContractDescriptor<Ping>("ping", 1, MessageKind.Command, Descriptor<Ping>().Formatter, resultFormatter: Of<CountOrders>()),
                        "command with a result formatter");
                if (Write<FindName>(null) is not [0xc0]) problems += "null string is not nil; ";
                return problems.Length == 0 ? "ok" : problems;
            }

            private static string Throws<TException>(Func<object?> action, string what) where TException : Exception
            {
                try
                {
                    action();
                    return $"{what}: no exception; ";
                }
                catch (TException)
                {
                    return "";
                }
                catch (Exception ex)
                {
                    return $"{what}: {ex.GetType().Name} instead of {typeof(TException).Name}; ";
                }
            }
        }
        """;

    [Fact]
    public void ResultsRoundTripThroughTheDescriptor()
    {
        Assert.Equal("ok", GeneratorHarness.InvokeProbe("Results.RoundTrip", Probe, "Results.Probe", "RoundTrip"));
    }

    [Fact]
    public void BadBytesAreASerializationException()
    {
        Assert.Equal("ok", GeneratorHarness.InvokeProbe("Results.BadBytes", Probe, "Results.Probe", "BadBytes"));
    }

    [Fact]
    public void WrongResultsAreRejectedWhenWritten()
    {
        Assert.Equal("ok", GeneratorHarness.InvokeProbe("Results.Misuse", Probe, "Results.Probe", "Misuse"));
    }
}
