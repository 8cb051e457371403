using System;
using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Contracts;
using MessagePack;
using MessagePack.Resolvers;

namespace Contracts.Benchmarks.Serialization;

/// <summary>A realistic contract: an id, text, a count, money, an instant and a few tags.</summary>
/// <remarks>The tags are a <c>string[]</c> because the suite compares that exact shape with MessagePack and JSON.</remarks>
#pragma warning disable CTR010 // a mutable array member; a real contract would take IReadOnlyList<string>
[Event]
public partial record OrderSubmitted(Guid OrderId, string Customer, int Quantity, decimal Total, DateTimeOffset SubmittedAt, string[] Tags);
#pragma warning restore CTR010

/// <summary>The same shape for MessagePack's attribute-driven standard resolver.</summary>
[MessagePackObject]
public sealed class KeyedOrder
{
    [Key(0)] public Guid OrderId { get; set; }
    [Key(1)] public string Customer { get; set; } = "";
    [Key(2)] public int Quantity { get; set; }
    [Key(3)] public decimal Total { get; set; }
    [Key(4)] public DateTimeOffset SubmittedAt { get; set; }
    [Key(5)] public string[] Tags { get; set; } = [];
}

/// <summary>The same shape for the contractless resolver and System.Text.Json.</summary>
public sealed record PlainOrder(Guid OrderId, string Customer, int Quantity, decimal Total, DateTimeOffset SubmittedAt, string[] Tags);

[JsonSerializable(typeof(PlainOrder))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;

/// <summary>
/// Write and read one message: the generated Contracts formatter against MessagePack 2.5.307 with [Key]
/// attributes (standard resolver), the contractless resolver, and System.Text.Json source generated.
/// Payload sizes are printed at setup.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SerializationBenchmarks
{
    private static readonly Guid s_id = Guid.Parse("0192f3a4-5b6c-7d8e-9f01-23456789abcd");
    private static readonly DateTimeOffset s_at = new(2026, 11, 30, 12, 34, 56, TimeSpan.FromHours(1));
    private static readonly string[] s_tags = ["express", "gift", "fragile"];

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly OrderSubmitted _contract = new(s_id, "ada@example.com", 3, 129.90m, s_at, s_tags);
    private readonly KeyedOrder _keyed = new() { OrderId = s_id, Customer = "ada@example.com", Quantity = 3, Total = 129.90m, SubmittedAt = s_at, Tags = s_tags };
    private readonly PlainOrder _plain = new(s_id, "ada@example.com", 3, 129.90m, s_at, s_tags);
    private readonly MessagePackSerializerOptions _contractless = ContractlessStandardResolver.Options;
    private byte[] _contractBytes = [];
    private byte[] _keyedBytes = [];
    private byte[] _contractlessBytes = [];
    private byte[] _jsonBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        ContractDescriptor<OrderSubmitted> descriptor = OrderSubmitted.Descriptor();
        var buffer = new ArrayBufferWriter<byte>();
        descriptor.Serialize(buffer, _contract);
        _contractBytes = buffer.WrittenSpan.ToArray();
        _keyedBytes = MessagePackSerializer.Serialize(_keyed);
        _contractlessBytes = MessagePackSerializer.Serialize(_plain, _contractless);
        _jsonBytes = JsonSerializer.SerializeToUtf8Bytes(_plain, BenchJsonContext.Default.PlainOrder);
        Console.WriteLine($"// payload bytes: Contracts {_contractBytes.Length}, MessagePack [Key] {_keyedBytes.Length}, " +
                          $"MessagePack contractless {_contractlessBytes.Length}, System.Text.Json {_jsonBytes.Length}");
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Serialize")]
    public int Serialize_Contracts()
    {
        _buffer.ResetWrittenCount();
        OrderSubmitted.Descriptor().Serialize(_buffer, _contract);
        return _buffer.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Serialize")]
    public int Serialize_MessagePack_Key()
    {
        _buffer.ResetWrittenCount();
        MessagePackSerializer.Serialize(_buffer, _keyed);
        return _buffer.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Serialize")]
    public int Serialize_MessagePack_Contractless()
    {
        _buffer.ResetWrittenCount();
        MessagePackSerializer.Serialize(_buffer, _plain, _contractless);
        return _buffer.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Serialize")]
    public int Serialize_SystemTextJson_SourceGenerated()
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer);
        JsonSerializer.Serialize(writer, _plain, BenchJsonContext.Default.PlainOrder);
        return _buffer.WrittenCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Deserialize")]
    public OrderSubmitted Deserialize_Contracts() => OrderSubmitted.Descriptor().DeserializeTyped(_contractBytes);

    [Benchmark, BenchmarkCategory("Deserialize")]
    public KeyedOrder Deserialize_MessagePack_Key() => MessagePackSerializer.Deserialize<KeyedOrder>(_keyedBytes);

    [Benchmark, BenchmarkCategory("Deserialize")]
    public PlainOrder Deserialize_MessagePack_Contractless() => MessagePackSerializer.Deserialize<PlainOrder>(_contractlessBytes, _contractless);

    [Benchmark, BenchmarkCategory("Deserialize")]
    public PlainOrder? Deserialize_SystemTextJson_SourceGenerated() => JsonSerializer.Deserialize(_jsonBytes, BenchJsonContext.Default.PlainOrder);
}

internal static class DescriptorAccess
{
    public static ContractDescriptor<T> Descriptor<T>()
        where T : class, IContract<T> => T.Contract;
}

public partial record OrderSubmitted
{
    internal static ContractDescriptor<OrderSubmitted> Descriptor() => DescriptorAccess.Descriptor<OrderSubmitted>();
}
