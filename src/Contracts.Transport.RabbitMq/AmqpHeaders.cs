using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// <see cref="EnvelopeHeaders"/> on an AMQP message: the message id, contract name, correlation id, reply address and
/// priority in their native properties (so broker tools show them), everything else in the header table.
/// </summary>
internal sealed class AmqpHeaders : IHeaderWriter, IHeaderReader
{
    private readonly IReadOnlyBasicProperties _read;
    private readonly BasicProperties? _write;

    private AmqpHeaders(IReadOnlyBasicProperties read, BasicProperties? write)
    {
        _read = read;
        _write = write;
    }

    /// <summary>Reads a received message's properties.</summary>
    public static AmqpHeaders Of(IReadOnlyBasicProperties properties) => new(properties, null);

    /// <summary>The persistent message for <paramref name="envelope"/>.</summary>
    public static BasicProperties Write(Envelope envelope)
    {
        BasicProperties properties = New(TableSize(envelope));
        EnvelopeCodec.Write(envelope, new AmqpHeaders(properties, properties));
        properties.Timestamp = new AmqpTimestamp(envelope.SentAt.ToUnixTimeSeconds());
        return properties;
    }

    /// <summary>
    /// A copy of <paramref name="received"/> with the failure of <paramref name="letter"/> added: what an error queue
    /// keeps, within one frame of <paramref name="frameMax"/> bytes (see <see cref="AmqpFrame"/>).
    /// </summary>
    public static BasicProperties WithFailure(IReadOnlyBasicProperties received, Storage.DeadLetter letter, uint frameMax)
    {
        var properties = new BasicProperties(received) { Persistent = true, Headers = Copy(received.Headers) };
        EnvelopeCodec.WriteFailure(letter, new AmqpHeaders(properties, properties));
        AmqpFrame.Fit(properties, frameMax);
        return properties;
    }

    /// <summary>A stored message (whose contract this process may not know) with its failure: a dead letter no delivery carried.</summary>
    public static BasicProperties Write(Storage.DeadLetter letter, uint frameMax)
    {
        BasicProperties properties = New(20 + (letter.Message.Headers?.Count ?? 0));
        var headers = new AmqpHeaders(properties, properties);
        EnvelopeCodec.Write(letter.Message, headers);
        EnvelopeCodec.WriteFailure(letter, headers);
        AmqpFrame.Fit(properties, frameMax);
        return properties;
    }

    /// <summary>A persistent copy of <paramref name="received"/> with header <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public static BasicProperties WithHeader(IReadOnlyBasicProperties received, string name, long value)
    {
        Dictionary<string, object?> headers = Copy(received.Headers);
        headers[name] = value;
        return new BasicProperties(received) { Persistent = true, Headers = headers };
    }

    /// <summary>A dead letter's message as it was sent, for a replay: the failure removed, attempt 1.</summary>
    public static BasicProperties ForReplay(IReadOnlyBasicProperties dead)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (dead.Headers is { } original)
        {
            foreach (KeyValuePair<string, object?> header in original)
            {
                if (!header.Key.StartsWith("contracts-error-", StringComparison.Ordinal) && header.Key is not (EnvelopeHeaders.DeadLetterId or RabbitMqTransport.UnfinishedDeliveries))
                {
                    headers[header.Key] = header.Value;
                }
            }
        }

        headers[EnvelopeHeaders.Attempt] = "1";
        return new BasicProperties(dead) { Persistent = true, Headers = headers };
    }

    private static BasicProperties New(int tableSize) => new()
    {
        ContentType = EnvelopeHeaders.ContentType,
        Persistent = true,
        Headers = new Dictionary<string, object?>(tableSize, StringComparer.Ordinal),
    };

    /// <summary>
    /// How many entries <paramref name="envelope"/>'s header table gets, so that it is sized once: the version,
    /// attempt and send time, the optional headers it has, the partition key's hash, and the publish sequence
    /// number RabbitMQ.Client adds under publisher confirms. (Being wrong only costs a resize.)
    /// </summary>
    private static int TableSize(Envelope envelope) =>
        4 + (envelope.Headers?.Count ?? 0) + (envelope.CausationId is null ? 0 : 1) + (envelope.IdempotencyKey is null ? 0 : 1) +
        (envelope.DeliverAt is null ? 0 : 1) + (envelope.DeliverBy is null ? 0 : 1) + (envelope.TraceParent is null ? 0 : 1) +
        (envelope.TraceState is null ? 0 : 1) + (envelope.Contract.HasPartitionKey ? 1 : 0);

    private static Dictionary<string, object?> Copy(IDictionary<string, object?>? headers)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (headers is not null)
        {
            foreach (KeyValuePair<string, object?> header in headers)
            {
                copy[header.Key] = header.Value;
            }
        }

        return copy;
    }

    public void Set(string name, string value)
    {
        BasicProperties properties = _write!;
        switch (name)
        {
            case EnvelopeHeaders.MessageId:
                properties.MessageId = value;
                break;
            case EnvelopeHeaders.Contract:
                properties.Type = value;
                break;
            case EnvelopeHeaders.CorrelationId:
                properties.CorrelationId = value;
                break;
            case EnvelopeHeaders.ReplyTo:
                properties.ReplyTo = value;
                break;
            case EnvelopeHeaders.Priority:
                properties.Priority = byte.Parse(value, CultureInfo.InvariantCulture);
                break;
            default:
                (properties.Headers ??= new Dictionary<string, object?>(StringComparer.Ordinal))[name] = value;
                break;
        }
    }

    public string? Get(string name) => name switch
    {
        EnvelopeHeaders.MessageId => _read.MessageId,
        EnvelopeHeaders.Contract => _read.Type,
        EnvelopeHeaders.CorrelationId => _read.CorrelationId,
        EnvelopeHeaders.ReplyTo => _read.ReplyTo,
        EnvelopeHeaders.Priority => _read.IsPriorityPresent() ? _read.Priority.ToString(CultureInfo.InvariantCulture) : null,
        _ => _read.Headers is { } headers && headers.TryGetValue(name, out object? value) && value is not null ? Text(value) ?? $"(an AMQP {value.GetType().Name})" : null,
    };

    /// <remarks>
    /// Only the application headers: the codec keeps nothing else from this list (it reads the envelope's own by
    /// name), and decoding each of the envelope's UTF-8 values here would cost a string apiece on every delivery.
    /// </remarks>
    public IEnumerable<KeyValuePair<string, string>> All()
    {
        if (_read.Headers is not { } headers)
        {
            yield break;
        }

        foreach (KeyValuePair<string, object?> header in headers)
        {
            if (EnvelopeHeaders.IsApplicationHeader(header.Key) && Text(header.Value) is { } value)
            {
                yield return new KeyValuePair<string, string>(header.Key, value);
            }
        }
    }

    private static readonly string[] s_digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>AMQP header tables carry strings as UTF-8 bytes, and numbers as themselves.</summary>
    private static string? Text(object? value) => value switch
    {
        null => null,
        byte[] { Length: 1 } digit when digit[0] is >= (byte)'0' and <= (byte)'9' => s_digits[digit[0] - '0'], // a version or an attempt: no string each time
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };
}
