using System;
using System.Collections.Generic;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// <see cref="EnvelopeHeaders"/> as the fields of a stream entry: one field per header under its own name (so
/// <c>XRANGE</c> shows them), and the payload in <see cref="BodyField"/>. Writes collect fields for one <c>XADD</c>;
/// reads look a name up among a received entry's fields.
/// </summary>
internal sealed class StreamFields : IHeaderWriter, IHeaderReader
{
    /// <summary>The field of the payload.</summary>
    public const string BodyField = "contracts-body";

    /// <summary>How many deliveries of the message earlier entries (abandoned copies) had: see <see cref="RedisDelivery.DeliveryCount"/>.</summary>
    public const string PriorDeliveries = "contracts-prior-deliveries";

    /// <summary>A keyed message's partition key hash (the contract's generated 64-bit hash, as a signed number): its partition and lane.</summary>
    public const string PartitionKey = "contracts-partition-key";

    private NameValueEntry[] _fields;
    private int _count;

    // A received entry's field names as text, made once: comparing RedisValue bytes with a string would convert on
    // every comparison, and the codec looks up some fifteen names per message.
    private readonly string[]? _names;

    private StreamFields(NameValueEntry[] fields, int count)
    {
        _fields = fields;
        _count = count;
    }

    private StreamFields(NameValueEntry[] received)
    {
        _fields = received;
        _count = received.Length;
        _names = new string[received.Length];
        Body = ReadOnlyMemory<byte>.Empty;
        for (int i = 0; i < received.Length; i++)
        {
            string name = (string?)received[i].Name ?? "";
            _names[i] = name;
            if (name == BodyField && !received[i].Value.IsNull)
            {
                Body = (ReadOnlyMemory<byte>)received[i].Value;
            }
            else if (name == PriorDeliveries && received[i].Value.TryParse(out int prior) && prior > 0)
            {
                Prior = prior;
            }
            else if (name == PartitionKey && received[i].Value.TryParse(out long key))
            {
                Key = unchecked((ulong)key);
            }
        }
    }

    /// <summary>A received entry's payload (empty when it has none).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>A received entry's <see cref="PriorDeliveries"/>, 0 when it has none.</summary>
    public int Prior { get; }

    /// <summary>A received entry's <see cref="PartitionKey"/>, 0 when it has none.</summary>
    public ulong Key { get; }

    /// <summary>The <see cref="PartitionKey"/> among a stored entry's fields, or <see langword="null"/> when the message had none.</summary>
    public static ulong? PartitionKeyIn(NameValueEntry[] fields)
    {
        foreach (NameValueEntry field in fields)
        {
            if (field.Name == PartitionKey && field.Value.TryParse(out long key))
            {
                return unchecked((ulong)key);
            }
        }

        return null;
    }

    /// <summary>The received entry's fields.</summary>
    public NameValueEntry[] Fields => _fields;

    /// <summary>The fields of <paramref name="envelope"/> (with its partition key hash when it has one), its payload last.</summary>
    public static NameValueEntry[] Of(Envelope envelope, ulong? partitionKey)
    {
        var fields = new StreamFields(new NameValueEntry[(partitionKey is null ? 14 : 15) + (envelope.Headers?.Count ?? 0)], 0);
        EnvelopeCodec.Write(envelope, fields);
        if (partitionKey is { } key)
        {
            fields.Add(PartitionKey, unchecked((long)key));
        }

        fields.Add(BodyField, envelope.Payload);
        return fields.ToArray();
    }

    /// <summary>The fields of a stored message (whose contract this process may not know) with its failure: a dead letter no delivery carried.</summary>
    public static NameValueEntry[] Of(Storage.DeadLetter letter)
    {
        var fields = new StreamFields(new NameValueEntry[24 + (letter.Message.Headers?.Count ?? 0)], 0);
        EnvelopeCodec.Write(letter.Message, fields);
        EnvelopeCodec.WriteFailure(letter, fields);
        fields.Add(BodyField, letter.Message.Payload);
        return fields.ToArray();
    }

    /// <summary>A received entry's fields with the failure of <paramref name="letter"/> added: what a dead-letter stream keeps.</summary>
    public static NameValueEntry[] WithFailure(NameValueEntry[] received, Storage.DeadLetter letter)
    {
        var fields = new StreamFields(new NameValueEntry[received.Length + 10], 0);
        foreach (NameValueEntry field in received)
        {
            fields.Add(field.Name, field.Value);
        }

        EnvelopeCodec.WriteFailure(letter, fields);
        return fields.ToArray();
    }

    /// <summary>A received entry's fields with <see cref="PriorDeliveries"/> set: the copy an abandoned delivery leaves.</summary>
    public static NameValueEntry[] WithPriorDeliveries(NameValueEntry[] received, int prior)
    {
        var fields = new StreamFields(new NameValueEntry[received.Length + 1], 0);
        fields.CopyExcept(received, static name => name == PriorDeliveries);
        fields.Add(PriorDeliveries, prior);
        return fields.ToArray();
    }

    /// <summary>A dead letter's message as it was sent, for a replay: the failure removed, attempt 1.</summary>
    public static NameValueEntry[] ForReplay(NameValueEntry[] dead)
    {
        var fields = new StreamFields(new NameValueEntry[dead.Length], 0);
        fields.CopyExcept(dead, static name =>
            name.StartsWith("contracts-error-", StringComparison.Ordinal) || name is EnvelopeHeaders.DeadLetterId or PriorDeliveries or EnvelopeHeaders.Attempt);
        fields.Add(EnvelopeHeaders.Attempt, "1");
        return fields.ToArray();
    }

    /// <summary>Reads a received entry's fields.</summary>
    public static StreamFields Read(NameValueEntry[] values) => new(values);

    public void Set(string name, string value) => Add(name, value);

    public string? Get(string name)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_names is not null ? string.Equals(_names[i], name, StringComparison.Ordinal) : _fields[i].Name == name)
            {
                return _fields[i].Value.IsNull ? null : (string?)_fields[i].Value;
            }
        }

        return null;
    }

    public IEnumerable<KeyValuePair<string, string>> All()
    {
        for (int i = 0; i < _count; i++)
        {
            string name = _names?[i] ?? (string)_fields[i].Name!;
            if (name != BodyField && !_fields[i].Value.IsNull)
            {
                yield return new KeyValuePair<string, string>(name, (string)_fields[i].Value!);
            }
        }
    }

    private void Add(RedisValue name, RedisValue value)
    {
        if (_count == _fields.Length)
        {
            Array.Resize(ref _fields, _fields.Length * 2);
        }

        _fields[_count++] = new NameValueEntry(name, value);
    }

    private void CopyExcept(NameValueEntry[] source, Func<string, bool> skip)
    {
        foreach (NameValueEntry field in source)
        {
            if (!skip((string)field.Name!))
            {
                Add(field.Name, field.Value);
            }
        }
    }

    private NameValueEntry[] ToArray()
    {
        if (_count == _fields.Length)
        {
            return _fields;
        }

        NameValueEntry[] exact = new NameValueEntry[_count];
        Array.Copy(_fields, exact, _count);
        return exact;
    }
}
